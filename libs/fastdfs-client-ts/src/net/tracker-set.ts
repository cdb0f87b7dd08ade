import { ErrorCode, FdfsError, isTransportError, NoTrackerError, type TrackerAttempt } from '../errors.js';
import type { Connection } from './connection.js';
import type { ConnectionPool } from './pool.js';

export interface TrackerState {
  address: string;
  /** 'up' until a request fails for a transport reason; 'down' until `retryAt`. */
  state: 'up' | 'down';
  failures: number;
  lastError?: string;
  /** Epoch ms after which a down tracker is tried again. */
  retryAt?: number;
}

interface Entry {
  pool: ConnectionPool;
  failures: number;
  downUntil: number;
  lastError?: string;
}

/**
 * Several trackers serving the same cluster. Requests start at the next tracker in turn
 * (spreading load); a tracker that fails at the transport level is skipped for
 * `retryInterval` ms and then tried again, so a recovered tracker comes back on its own.
 * When every tracker is down they are all tried anyway: a stale mark must never turn a
 * working cluster into an error. An answer from a tracker (even an error status) ends the search.
 */
export class TrackerSet {
  private readonly entries: Entry[];
  private cursor = 0;

  constructor(
    pools: ConnectionPool[],
    private readonly retryInterval: number,
    private readonly now: () => number = Date.now,
  ) {
    if (pools.length === 0)
      throw new FdfsError(ErrorCode.INVALID_CONFIG, 'at least one tracker is required (trackers / tracker_server)');
    this.entries = pools.map((pool) => ({ pool, failures: 0, downUntil: 0 }));
  }

  /** Runs `fn` on a tracker connection; `idempotent` lets the pool retry it once on a stale connection. */
  async use<T>(fn: (conn: Connection) => Promise<T>, idempotent = true): Promise<T> {
    const attempts: TrackerAttempt[] = [];
    for (const entry of this.order()) {
      try {
        const result = await entry.pool.use(fn, idempotent);
        entry.failures = 0;
        entry.downUntil = 0;
        return result;
      } catch (err) {
        if (!isFailover(err)) throw err;
        entry.failures++;
        entry.downUntil = this.now() + this.retryInterval;
        entry.lastError = (err as Error).message;
        attempts.push({ address: entry.pool.address, error: err as Error });
      }
    }
    throw new NoTrackerError(attempts);
  }

  /** Up trackers in round-robin order, then the down ones (soonest retry first). */
  private order(): Entry[] {
    const n = this.entries.length;
    // One tracker, the usual case: no arrays to build per request.
    if (n === 1) return this.entries;
    const start = this.cursor;
    this.cursor = (this.cursor + 1) % n;
    const rotated = Array.from({ length: n }, (_, i) => this.entries[(start + i) % n] as Entry);
    const now = this.now();
    const up = rotated.filter((e) => e.downUntil <= now);
    const down = rotated.filter((e) => e.downUntil > now).sort((a, b) => a.downUntil - b.downUntil);
    return [...up, ...down];
  }

  get pools(): ConnectionPool[] {
    return this.entries.map((e) => e.pool);
  }

  status(): TrackerState[] {
    const now = this.now();
    return this.entries.map((e) => {
      const state: TrackerState = {
        address: e.pool.address,
        state: e.downUntil > now ? 'down' : 'up',
        failures: e.failures,
      };
      if (e.lastError !== undefined) state.lastError = e.lastError;
      if (e.downUntil > now) state.retryAt = e.downUntil;
      return state;
    });
  }
}

function isFailover(err: unknown): boolean {
  return (
    isTransportError(err) ||
    (err instanceof FdfsError && (err.code === ErrorCode.POOL_TIMEOUT || err.code === ErrorCode.POOL_FULL))
  );
}
