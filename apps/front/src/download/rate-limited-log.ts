import type { Logger } from 'pino';

/** Seconds between two log lines of one kind of failure. */
export const LOG_INTERVAL_MS = 10_000;

/**
 * One log line per kind of failure per interval: a FastDFS outage under load fails thousands of
 * downloads a second, and says so once, with how many were not logged since the last line.
 * Kinds are a fixed set named by the caller, so the map stays small.
 */
export class RateLimitedLog {
  private readonly kinds = new Map<string, { next: number; suppressed: number }>();

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
    private readonly intervalMs = LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  warn(kind: string, fields: object, message: string): void {
    this.log('warn', kind, fields, message);
  }

  error(kind: string, fields: object, message: string): void {
    this.log('error', kind, fields, message);
  }

  private log(level: 'warn' | 'error', kind: string, fields: object, message: string): void {
    const now = this.now();
    const state = this.kinds.get(kind);
    if (state !== undefined && now < state.next) {
      state.suppressed++;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    this.kinds.set(kind, { next: now + this.intervalMs, suppressed: 0 });
    this.logger[level]({ kind, ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, message);
  }
}
