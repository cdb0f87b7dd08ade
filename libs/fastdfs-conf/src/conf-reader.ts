import { ConfigError } from 'fastdfs-protocol';
import type { ConfEntries, ConfValue } from './conf-file.js';
import { didYouMean, orList } from './did-you-mean.js';

const SIZE_UNITS = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 } as const;

/**
 * Typed accessors over parsed conf entries. A key given more than once takes its last value.
 * Every error names where the value was written and the key, as
 * `conf/fdfs-embedded.conf:12: tracker_port must be between 0 and 65535, got 70000`.
 */
export class ConfReader {
  /**
   * @param source names the conf in errors that no single line caused (`client.conf: no
   *   tracker_server line`); located errors name the value's own file.
   */
  constructor(
    private readonly entries: ConfEntries,
    readonly source = 'conf',
  ) {}

  /** Every key given, in file order of first appearance. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Every value of a repeatable key, in file order. */
  all(key: string): string[] {
    return this.values(key).map((v) => v.value);
  }

  /** Every value of a key with its location, in file order. */
  values(key: string): readonly ConfValue[] {
    return this.entries.get(key) ?? [];
  }

  string(key: string): string | undefined {
    return this.last(key)?.value;
  }

  /** An integer within [min, max]; empty or absent → undefined. */
  int(key: string, min: number, max: number): number | undefined {
    const value = this.string(key);
    if (value === undefined || value === '') return undefined;
    if (!/^-?\d+$/.test(value)) throw this.error(key, `must be an integer, got ${JSON.stringify(value)}`);
    const n = Number(value);
    if (n < min || n > max) throw this.error(key, `must be between ${min} and ${max}, got ${value}`);
    return n;
  }

  bool(key: string): boolean | undefined {
    const value = this.string(key);
    if (value === undefined || value === '') return undefined;
    const v = value.toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(v)) return true;
    if (['false', 'no', 'off', '0'].includes(v)) return false;
    throw this.error(key, `must be true or false, got ${JSON.stringify(value)}`);
  }

  /** A byte size like `256KB`, `64MB`, `1G` or a plain number of bytes, within [min, max] bytes. */
  size(key: string, min: number, max: number): number | undefined {
    const value = this.string(key);
    if (value === undefined || value === '') return undefined;
    const m = /^(\d+)\s*([KMGT]?)B?$/i.exec(value);
    if (m === null) throw this.error(key, `must be a size like 256KB or 64MB, got ${JSON.stringify(value)}`);
    const n = Number(m[1]) * SIZE_UNITS[(m[2] as string).toUpperCase() as keyof typeof SIZE_UNITS];
    if (n < min || n > max) throw this.error(key, `must be between ${min} and ${max} bytes, got ${n}`);
    return n;
  }

  /**
   * A ConfigError about `key`, located at `at` (default: its last value, the one that counts):
   * `file:line: key message`.
   */
  error(key: string, message: string, at: ConfValue | undefined = this.last(key)): ConfigError {
    const where = at === undefined ? this.source : `${at.source}:${at.line}`;
    return new ConfigError(`${where}: ${key} ${message}`);
  }

  /**
   * Throws for the first key (in file order) that is not in `known`:
   * `file:7: unknown key "tracker_prot" (did you mean tracker_port?)`.
   */
  checkKeys(known: Iterable<string>): void {
    const knownSet = new Set(known);
    for (const [key, values] of this.entries) {
      if (knownSet.has(key)) continue;
      const at = values[0] as ConfValue;
      const hints = didYouMean(key, knownSet);
      const hint = hints.length === 0 ? '' : ` (did you mean ${orList(hints)}?)`;
      throw new ConfigError(`${at.source}:${at.line}: unknown key ${JSON.stringify(key)}${hint}`);
    }
  }

  private last(key: string): ConfValue | undefined {
    const list = this.entries.get(key);
    return list === undefined ? undefined : list[list.length - 1];
  }
}
