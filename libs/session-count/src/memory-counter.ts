import { CounterUnavailableError, type CounterLogger, type SessionCounter } from './session-counter.js';

/** How often a full table may be swept for expired counts: a sweep reads every entry. */
const SWEEP_INTERVAL_MS = 1_000;

export interface MemoryCounterOptions {
  /** Counts held at once (max_memory_keys). */
  maxKeys: number;
  logger: CounterLogger;
  /** Milliseconds; default Date.now. */
  clock?: () => number;
}

/**
 * Check counts in this process, for a single instance without Redis. A count is dropped only
 * when its key's window (+ skew) is over, never to make room: evicting a live count would let
 * a client reset a key by flooding the table with fresh keys, i.e. use it without limit. So a
 * full table refuses new keys (CounterUnavailableError 'full') until counts expire, while the
 * keys it holds go on being counted.
 */
export class MemoryCounter implements SessionCounter {
  private readonly counts = new Map<string, { count: number; expiresAt: number }>();
  private readonly clock: () => number;
  private nextSweepAt = 0;
  private full = false;

  constructor(private readonly options: MemoryCounterOptions) {
    if (!Number.isSafeInteger(options.maxKeys) || options.maxKeys < 1) {
      throw new RangeError(`maxKeys must be a positive integer, got ${options.maxKeys}`);
    }
    this.clock = options.clock ?? Date.now;
  }

  get size(): number {
    return this.counts.size;
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const now = this.clock();
    let entry = this.counts.get(key);
    if (entry !== undefined && entry.expiresAt <= now) {
      this.counts.delete(key);
      entry = undefined;
    }
    if (entry === undefined) {
      if (this.counts.size >= this.options.maxKeys) this.makeRoom(now);
      entry = { count: 0, expiresAt: now + ttlSeconds * 1000 };
      this.counts.set(key, entry);
    }
    entry.count++;
    return entry.count;
  }

  /** Drops the expired counts, at most once a SWEEP_INTERVAL_MS; throws when none has expired. */
  private makeRoom(now: number): void {
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + SWEEP_INTERVAL_MS;
      for (const [key, entry] of this.counts) if (entry.expiresAt <= now) this.counts.delete(key);
    }
    if (this.counts.size < this.options.maxKeys) {
      if (this.full)
        this.options.logger.info({ keys: this.counts.size }, 'session counts expired, new keys accepted again');
      this.full = false;
      return;
    }
    if (!this.full) {
      this.options.logger.warn(
        { maxKeys: this.options.maxKeys },
        'session count table full: new keys are refused (STORAGE_UNAVAILABLE) until counts expire; ' +
          'raise max_memory_keys or use Redis (redis_url)',
      );
    }
    this.full = true;
    throw new CounterUnavailableError('full', `the session count table holds ${this.options.maxKeys} live keys`);
  }

  async close(): Promise<void> {
    this.counts.clear();
  }
}
