/** What the counters log: a store that became unreachable or full, and back. */
export interface CounterLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/**
 * Counts the uses of each session key, so that a key is accepted at most max_checks times
 * (sess_check_svr's cmd 0x10B5 and the front's upload.cgi count in the same store). Two stores
 * behind one interface: Redis, shared by every instance (redis-counter.ts), or this process's
 * memory (memory-counter.ts).
 */
export interface SessionCounter {
  /**
   * Counts one check of `key` and returns the count with it. A new count lives `ttlSeconds`;
   * a count past its life starts again at 1. Throws CounterUnavailableError when the check
   * could not be counted, never a count it did not keep.
   */
  increment(key: string, ttlSeconds: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * The check was not counted, so it must not be accepted: answered STORAGE_UNAVAILABLE (1005).
 * 'unreachable': Redis did not answer in time; 'full': the memory table holds max_memory_keys
 * keys still inside their windows.
 */
export class CounterUnavailableError extends Error {
  constructor(
    readonly reason: 'unreachable' | 'full',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CounterUnavailableError';
  }
}
