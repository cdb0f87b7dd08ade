import { ConnectionClosedError, ErrorCode, FdfsError, StatusError, TimeoutError } from '../errors.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { type Address, Errno, formatAddress } from 'fastdfs-protocol';

export interface PoolOptions {
  /** Most connections open to one server at once (busy + idle + connecting). */
  maxSize: number;
  /** Milliseconds a caller waits for a free connection before FDFS_ERR_POOL_TIMEOUT. */
  acquireTimeout: number;
  /** Most callers waiting at once; one more gets FDFS_ERR_POOL_FULL at once. */
  maxWaiting: number;
  /** Milliseconds an unused connection is kept before it is closed. */
  idleTimeout: number;
}

export interface PoolStats {
  address: string;
  size: number;
  idle: number;
  busy: number;
  waiting: number;
}

interface Waiter {
  resolve: (lease: Lease) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Lease {
  conn: Connection;
  /** True when the connection had served an earlier request (and so may have gone stale). */
  reused: boolean;
}

/**
 * A bounded pool of connections to one server address. Idle connections are reused newest
 * first (the oldest age out); a broken connection is discarded, never handed out again; a
 * request that failed on a reused connection before any reply byte is retried once on a fresh
 * connection when the caller says the command is idempotent.
 */
export class ConnectionPool {
  readonly address: string;
  private readonly idle: Connection[] = [];
  private readonly waiters: Waiter[] = [];
  private size = 0;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly target: Address,
    private readonly options: PoolOptions,
    private readonly connectionOptions: ConnectionOptions,
  ) {
    this.address = formatAddress(target);
    this.sweeper = setInterval(() => this.evictIdle(), Math.max(250, Math.min(options.idleTimeout / 2, 30_000)));
    this.sweeper.unref();
  }

  /** Runs `fn` on a pooled connection and returns the connection when it settles. */
  async use<T>(fn: (conn: Connection) => Promise<T>, idempotent: boolean): Promise<T> {
    // The hot path: an idle connection is taken without a lease object or an extra promise.
    const idle = this.takeIdle();
    const lease = idle === undefined ? await this.acquire() : undefined;
    const conn = idle ?? (lease as Lease).conn;
    let result: T;
    try {
      result = await fn(conn);
    } catch (err) {
      this.release(conn, err);
      if (!this.mayRetry(idempotent, idle !== undefined || (lease as Lease).reused, err)) throw err;
      const fresh = await this.acquire();
      try {
        result = await fn(fresh.conn);
      } catch (retryErr) {
        this.release(fresh.conn, retryErr);
        throw retryErr;
      }
      this.release(fresh.conn);
      return result;
    }
    this.release(conn);
    return result;
  }

  /**
   * Like `use`, for a reply streamed to the caller: the connection stays out of the pool until
   * the stream has closed (fully read, or destroyed, in which case the connection is too).
   */
  async useStream<T extends NodeJS.ReadableStream & { once(event: 'close', listener: () => void): unknown }>(
    fn: (conn: Connection) => Promise<T>,
    idempotent: boolean,
  ): Promise<T> {
    const lease = await this.acquire();
    try {
      return await this.streamOn(lease.conn, fn);
    } catch (err) {
      if (!this.mayRetry(idempotent, lease.reused, err)) throw err;
      const fresh = await this.acquire();
      return this.streamOn(fresh.conn, fn);
    }
  }

  private async streamOn<T extends { once(event: 'close', listener: () => void): unknown }>(
    conn: Connection,
    fn: (conn: Connection) => Promise<T>,
  ): Promise<T> {
    let stream: T;
    try {
      stream = await fn(conn);
    } catch (err) {
      this.release(conn, err);
      throw err;
    }
    stream.once('close', () => this.release(conn));
    return stream;
  }

  /**
   * A request that failed on a reused connection before any reply byte, when the caller says the
   * command is idempotent: the server closed a connection we held idle (restart, its idle timeout).
   * The other idle ones are as stale, so they are dropped, and the request goes again once on a
   * new connection.
   */
  private mayRetry(idempotent: boolean, reused: boolean, err: unknown): boolean {
    if (!(idempotent && reused && err instanceof ConnectionClosedError && err.beforeReply)) return false;
    this.drainIdle();
    return true;
  }

  /** The newest idle connection that is still usable, or undefined; broken ones are discarded on the way. */
  private takeIdle(): Connection | undefined {
    if (this.closed) return undefined;
    while (this.idle.length > 0) {
      const conn = this.idle.pop() as Connection;
      if (!conn.broken) return conn;
      this.discard(conn);
    }
    return undefined;
  }

  acquire(): Promise<Lease> {
    if (this.closed) return Promise.reject(new FdfsError(ErrorCode.POOL_CLOSED, `pool for ${this.address} is closed`));
    const idle = this.takeIdle();
    if (idle !== undefined) return Promise.resolve({ conn: idle, reused: true });
    if (this.size < this.options.maxSize) return this.open();
    if (this.waiters.length >= this.options.maxWaiting) {
      return Promise.reject(
        new FdfsError(
          ErrorCode.POOL_FULL,
          `pool for ${this.address}: ${this.waiters.length} callers already waiting (pool.maxWaiting)`,
          {
            retriable: true,
          },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(
            new TimeoutError(
              ErrorCode.POOL_TIMEOUT,
              `no free connection to ${this.address} within ${this.options.acquireTimeout} ms ` +
                `(pool.maxSize ${this.options.maxSize})`,
            ),
          );
        }, this.options.acquireTimeout),
      };
      this.waiters.push(waiter);
    });
  }

  /** Opens a new connection, counted against maxSize from the start. */
  private async open(): Promise<Lease> {
    this.size++;
    try {
      const conn = await Connection.connect(this.target, this.connectionOptions);
      conn.onClose(() => this.forget(conn));
      return { conn, reused: false };
    } catch (err) {
      this.size--;
      this.serveWaiters();
      throw err;
    }
  }

  /** Returns a connection after a request; `failure` is what the request failed with, if it did. */
  release(conn: Connection, failure?: unknown): void {
    if (conn.broken || this.closed || conn.busy || !reusableAfter(failure)) {
      this.discard(conn);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      waiter.resolve({ conn, reused: true });
      return;
    }
    conn.lastUsedAt = Date.now();
    this.idle.push(conn);
  }

  private discard(conn: Connection): void {
    conn.destroy();
    this.forget(conn);
  }

  /** Drops a closed connection from the books, once. */
  private forget(conn: Connection): void {
    const at = this.idle.indexOf(conn);
    if (at !== -1) this.idle.splice(at, 1);
    if (!forgotten.has(conn)) {
      forgotten.add(conn);
      this.size--;
      this.serveWaiters();
    }
  }

  /** A slot came free: open a connection for the first waiter. */
  private serveWaiters(): void {
    if (this.closed || this.waiters.length === 0 || this.size >= this.options.maxSize) return;
    const waiter = this.waiters.shift() as Waiter;
    clearTimeout(waiter.timer);
    this.open().then(waiter.resolve, waiter.reject);
  }

  private drainIdle(): void {
    for (const conn of this.idle.splice(0)) this.discard(conn);
  }

  private evictIdle(): void {
    const cutoff = Date.now() - this.options.idleTimeout;
    for (const conn of [...this.idle]) {
      if (conn.lastUsedAt <= cutoff || conn.broken) {
        this.idle.splice(this.idle.indexOf(conn), 1);
        conn.quit();
      }
    }
  }

  stats(): PoolStats {
    return {
      address: this.address,
      size: this.size,
      idle: this.idle.length,
      busy: this.size - this.idle.length,
      waiting: this.waiters.length,
    };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new FdfsError(ErrorCode.POOL_CLOSED, `pool for ${this.address} was closed`));
    }
    for (const conn of this.idle.splice(0)) conn.quit();
  }
}

/**
 * Whether a connection may serve another request after this outcome. As FastDFS's own client
 * (client/storage_client.c: `tracker_close_connection_ex(conn, result != 0 && result != ENOENT)`):
 * after success or ENOENT only. A FastDFS 6.12 storage neither answers nor closes a connection
 * after it has answered EINVAL, so reusing that connection would wait out the network timeout.
 */
function reusableAfter(failure: unknown): boolean {
  return failure === undefined || (failure instanceof StatusError && failure.status === Errno.ENOENT);
}

/** Connections already subtracted from their pool's size (a close can be reported twice). */
const forgotten = new WeakSet<Connection>();
