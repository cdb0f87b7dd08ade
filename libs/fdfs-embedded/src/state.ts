import { readFile, rename, writeFile } from 'node:fs/promises';
import type { EmbeddedLogger } from './options.js';
import { CONNECTION_FIELDS, STAT_FIELDS, type StorageCounters } from 'fastdfs-protocol';

/**
 * What the storage remembers across restarts besides the files themselves: where the
 * round-robin sub-dir rotation stands, the join time, and the counters LIST_STORAGE reports.
 * Kept in one small JSON file, written atomically (temp + rename) and best effort: losing it
 * only restarts the rotation at 00/00 and the counters at 0.
 */
interface Persisted {
  version: 1;
  joinTime: number;
  distribution: { high: number; low: number; writeCount: number };
  counters: Partial<StorageCounters>;
}

const SAVE_DELAY_MS = 500;

export function zeroCounters(): StorageCounters {
  const counters = {} as StorageCounters;
  for (const name of [...CONNECTION_FIELDS, ...STAT_FIELDS]) counters[name] = 0;
  return counters;
}

export class StorageState {
  joinTime = Math.floor(Date.now() / 1000);
  readonly counters = zeroCounters();
  private high = 0;
  private low = 0;
  private writeCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly subdirCount: number,
    private readonly rotateCount: number,
    private readonly logger: EmbeddedLogger,
  ) {}

  async load(): Promise<void> {
    let saved: Persisted;
    try {
      saved = JSON.parse(await readFile(this.path, 'utf8')) as Persisted;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.warn({ err, path: this.path }, 'state file unreadable, starting fresh');
      }
      return;
    }
    if (saved.version !== 1) return;
    const ok = (n: unknown, max: number): n is number =>
      Number.isInteger(n) && (n as number) >= 0 && (n as number) < max;
    if (Number.isInteger(saved.joinTime)) this.joinTime = saved.joinTime;
    const d = saved.distribution;
    if (d !== undefined && ok(d.high, this.subdirCount) && ok(d.low, this.subdirCount)) {
      this.high = d.high;
      this.low = d.low;
      this.writeCount = ok(d.writeCount, this.rotateCount) ? d.writeCount : 0;
    }
    for (const name of STAT_FIELDS) {
      const value = saved.counters?.[name];
      if (typeof value === 'number' && Number.isSafeInteger(value)) this.counters[name] = value;
    }
  }

  /**
   * The sub dir for the next new file: round robin, moving on every `file_distribute_rotate_count`
   * files (storage_get_store_path, storage/storage_service.c 1909-1953).
   */
  nextSubdir(): { high: number; low: number } {
    const current = { high: this.high, low: this.low };
    this.writeCount += 1;
    if (this.writeCount >= this.rotateCount) {
      this.low += 1;
      if (this.low >= this.subdirCount) {
        this.high = this.high + 1 >= this.subdirCount ? 0 : this.high + 1;
        this.low = 0;
      }
      this.writeCount = 0;
    }
    this.changed();
    return current;
  }

  get currentSubdir(): { high: number; low: number } {
    return { high: this.high, low: this.low };
  }

  count(total: (typeof STAT_FIELDS)[number], success: (typeof STAT_FIELDS)[number] | null, ok: boolean, by = 1): void {
    this.counters[total] += by;
    if (ok && success !== null) this.counters[success] += by;
    this.changed();
  }

  changed(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.save();
    }, SAVE_DELAY_MS);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.save();
  }

  private save(): Promise<void> {
    const snapshot: Persisted = {
      version: 1,
      joinTime: this.joinTime,
      distribution: { high: this.high, low: this.low, writeCount: this.writeCount },
      counters: Object.fromEntries(STAT_FIELDS.map((name) => [name, this.counters[name]])) as Partial<StorageCounters>,
    };
    this.saving = this.saving.then(async () => {
      const tmp = `${this.path}.tmp`;
      try {
        await writeFile(tmp, JSON.stringify(snapshot));
        await rename(tmp, this.path);
      } catch (err) {
        this.logger.warn({ err, path: this.path }, 'cannot save state');
      }
    });
    return this.saving;
  }
}
