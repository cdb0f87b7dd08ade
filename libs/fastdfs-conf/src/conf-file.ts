import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from 'fastdfs-protocol';

/**
 * FastDFS `key = value` configuration text (libfastcommon ini_file_reader): `#` starts a
 * comment line, keys may repeat (`tracker_server` does), `#include other.conf` pulls in a file
 * relative to this one. Sections (`[name]`) are kept as `section.key`.
 */
export type ConfEntries = Map<string, string[]>;

const MAX_INCLUDE_DEPTH = 8;

export function parseConfText(text: string, source = 'conf', include?: (name: string) => string): ConfEntries {
  const entries: ConfEntries = new Map();
  parseInto(entries, text, source, include, 0);
  return entries;
}

function parseInto(
  entries: ConfEntries,
  text: string,
  source: string,
  include: ((name: string) => string) | undefined,
  depth: number,
): void {
  let section = '';
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const includeMatch = /^#include\s+(\S+)$/.exec(line);
    if (includeMatch !== null) {
      if (include === undefined) throw new ConfigError(`${source}:${i + 1}: #include is not allowed here`);
      if (depth >= MAX_INCLUDE_DEPTH) throw new ConfigError(`${source}:${i + 1}: #include nested too deep`);
      const name = includeMatch[1] as string;
      parseInto(entries, include(name), name, include, depth + 1);
      // libfastcommon ini_file_reader.c 1052-1060: after an include, keys are global again.
      section = '';
      return;
    }
    if (line === '' || line.startsWith('#')) return;
    const sectionMatch = /^\[([^\]]+)\]$/.exec(line);
    if (sectionMatch !== null) {
      section = `${(sectionMatch[1] as string).trim()}.`;
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${source}:${i + 1}: expected "key = value", got ${JSON.stringify(line)}`);
    const key = section + line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const list = entries.get(key);
    if (list === undefined) entries.set(key, [value]);
    else list.push(value);
  });
}

export function readConfFile(path: string): ConfEntries {
  const read = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  const base = dirname(path);
  return parseConfText(read(path), path, (name) => read(isAbsolute(name) ? name : resolve(base, name)));
}

/** Typed accessors that name the bad key in their errors. */
export class ConfReader {
  constructor(
    private readonly entries: ConfEntries,
    private readonly source = 'conf',
  ) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  all(key: string): string[] {
    return this.entries.get(key) ?? [];
  }

  string(key: string): string | undefined {
    const list = this.entries.get(key);
    return list === undefined ? undefined : list[list.length - 1];
  }

  /** An integer within [min, max]; FastDFS also accepts a unit suffix for sizes (see `size`). */
  int(key: string, min: number, max: number): number | undefined {
    const value = this.string(key);
    if (value === undefined || value === '') return undefined;
    if (!/^-?\d+$/.test(value))
      throw new ConfigError(`${this.source}: ${key} must be an integer, got ${JSON.stringify(value)}`);
    const n = Number(value);
    if (n < min || n > max) throw new ConfigError(`${this.source}: ${key} must be between ${min} and ${max}, got ${n}`);
    return n;
  }

  bool(key: string): boolean | undefined {
    const value = this.string(key)?.toLowerCase();
    if (value === undefined || value === '') return undefined;
    if (['true', 'yes', 'on', '1'].includes(value)) return true;
    if (['false', 'no', 'off', '0'].includes(value)) return false;
    throw new ConfigError(`${this.source}: ${key} must be true or false, got ${JSON.stringify(value)}`);
  }

  /** A byte size like `256KB`, `64MB`, `1G` or a plain number of bytes. */
  size(key: string, min: number, max: number): number | undefined {
    const value = this.string(key);
    if (value === undefined || value === '') return undefined;
    const m = /^(\d+)\s*([KMGT]?)B?$/i.exec(value);
    if (m === null)
      throw new ConfigError(`${this.source}: ${key} must be a size like 256KB or 64MB, got ${JSON.stringify(value)}`);
    const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[
      (m[2] as string).toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'
    ];
    const n = Number(m[1]) * unit;
    if (n < min || n > max)
      throw new ConfigError(`${this.source}: ${key} must be between ${min} and ${max} bytes, got ${n}`);
    return n;
  }
}
