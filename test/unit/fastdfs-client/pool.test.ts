/**
 * ConnectionPool unit tests: no sockets. `Connection` is replaced by a module mock whose static
 * `connect` hands out FakeConnection objects (the few members the pool touches: broken, busy,
 * lastUsedAt, address, onClose, destroy, quit). Like a real socket, a fake reports its close
 * asynchronously, after destroy() or quit(). Time-dependent behaviour (acquireTimeout, the idle
 * sweeper) runs under fake timers.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectError,
  ConnectionClosedError,
  ErrorCode,
  FdfsError,
  StatusError,
  TimeoutError,
} from '../../../libs/fastdfs-client-ts/src/errors.js';
import { Connection } from '../../../libs/fastdfs-client-ts/src/net/connection.js';
import { ConnectionPool, type PoolOptions } from '../../../libs/fastdfs-client-ts/src/net/pool.js';

vi.mock('../../../libs/fastdfs-client-ts/src/net/connection.js', () => ({ Connection: { connect: vi.fn() } }));

const TARGET = { host: '127.0.0.1', port: 22122 };
const ADDRESS = '127.0.0.1:22122';
const DEFAULTS: PoolOptions = { maxSize: 2, acquireTimeout: 1_000, maxWaiting: 10, idleTimeout: 10_000 };
const CONNECTION_OPTIONS = { connectTimeout: 500, networkTimeout: 500 };

/** Captured before any test installs fake timers: flushes every pending promise callback. */
const realSetImmediate = setImmediate;
const settle = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

class FakeConnection {
  broken = false;
  busy = false;
  lastUsedAt = Date.now();
  readonly destroy = vi.fn(() => this.closeSocket());
  readonly quit = vi.fn(() => this.closeSocket());
  private readonly listeners: Array<() => void> = [];
  private closed = false;

  constructor(
    readonly id: number,
    readonly address: string,
  ) {}

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.listeners.push(listener);
  }

  /** The socket closed (our destroy/quit, or the server went away); 'close' comes a tick later. */
  closeSocket(): void {
    this.broken = true;
    if (this.closed) return;
    this.closed = true;
    void Promise.resolve().then(() => {
      for (const listener of this.listeners.splice(0)) listener();
    });
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const fake = (conn: Connection): FakeConnection => conn as unknown as FakeConnection;
const connect = vi.mocked(Connection.connect);
let opened: FakeConnection[] = [];
const pools: ConnectionPool[] = [];

function openFake(): FakeConnection {
  const conn = new FakeConnection(opened.length + 1, ADDRESS);
  opened.push(conn);
  return conn;
}

function nth(id: number): FakeConnection {
  const conn = opened[id - 1];
  if (conn === undefined) throw new Error(`connection #${id} was never opened`);
  return conn;
}

function makePool(options: Partial<PoolOptions> = {}, target = TARGET): ConnectionPool {
  const pool = new ConnectionPool(target, { ...DEFAULTS, ...options }, CONNECTION_OPTIONS);
  pools.push(pool);
  return pool;
}

interface Lease {
  /** The connection the callback ran on (never settles for a caller that did not get one). */
  conn: Promise<FakeConnection>;
  /** What pool.use settled with (rejections are marked handled; await it to see them). */
  done: Promise<FakeConnection>;
  /** Lets the callback return, and waits for pool.use to settle. */
  finish: () => Promise<FakeConnection>;
}

/** Calls pool.use with a callback that holds its connection until finish() is called. */
function lease(pool: ConnectionPool, idempotent = false): Lease {
  const got = deferred<FakeConnection>();
  const gate = deferred();
  const done = pool.use(async (conn) => {
    got.resolve(fake(conn));
    await gate.promise;
    return fake(conn);
  }, idempotent);
  done.catch(() => undefined);
  return {
    conn: got.promise,
    done,
    finish: async () => {
      gate.resolve();
      return done;
    },
  };
}

/** What a real Connection does when the server closes it before any reply byte. */
function closedBeforeReply(conn: FakeConnection): ConnectionClosedError {
  conn.closeSocket();
  return new ConnectionClosedError(conn.address, true);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${String(value)}`),
    (err: unknown) => err,
  );
}

beforeEach(() => {
  opened = [];
  connect.mockReset();
  connect.mockImplementation(async () => openFake() as unknown as Connection);
});

afterEach(() => {
  for (const pool of pools.splice(0)) pool.close();
  vi.useRealTimers();
});

describe('ConnectionPool: reuse', () => {
  it('opens a connection with the pool target and options', async () => {
    const pool = makePool();
    await pool.use(async () => undefined, false);
    expect(connect).toHaveBeenCalledTimes(1);
    expect(connect).toHaveBeenCalledWith(TARGET, CONNECTION_OPTIONS);
  });

  it('reuses a released connection instead of opening another', async () => {
    const pool = makePool();
    const first = await pool.use(async (conn) => fake(conn), false);
    const second = await pool.use(async (conn) => fake(conn), false);
    expect(second).toBe(first);
    expect(connect).toHaveBeenCalledTimes(1);
    expect(first.destroy).not.toHaveBeenCalled();
  });

  it('hands out the newest idle connection first', async () => {
    const pool = makePool({ maxSize: 3 });
    const leases = [lease(pool), lease(pool), lease(pool)];
    const conns = await Promise.all(leases.map((l) => l.conn));
    expect(conns.map((c) => c.id)).toEqual([1, 2, 3]);
    // Released in the order 2, 3, 1: #1 is the most recently used.
    await leases[1]?.finish();
    await leases[2]?.finish();
    await leases[0]?.finish();
    const order: number[] = [];
    const a = lease(pool);
    order.push((await a.conn).id);
    const b = lease(pool);
    order.push((await b.conn).id);
    const c = lease(pool);
    order.push((await c.conn).id);
    expect(order).toEqual([1, 3, 2]);
    expect(connect).toHaveBeenCalledTimes(3);
  });
});

describe('ConnectionPool: maxSize', () => {
  it('never has more than maxSize connections with many concurrent callers', async () => {
    const pool = makePool({ maxSize: 2 });
    let active = 0;
    let peak = 0;
    let biggestSize = 0;
    const ids = await Promise.all(
      Array.from({ length: 8 }, () =>
        pool.use(async (conn) => {
          active++;
          peak = Math.max(peak, active);
          biggestSize = Math.max(biggestSize, pool.stats().size);
          await settle();
          active--;
          return fake(conn).id;
        }, false),
      ),
    );
    expect(ids).toHaveLength(8);
    expect(new Set(ids)).toEqual(new Set([1, 2]));
    expect(connect).toHaveBeenCalledTimes(2);
    expect(peak).toBe(2);
    expect(biggestSize).toBe(2);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 2, busy: 0, waiting: 0 });
  });

  it('counts connections still being opened against maxSize', async () => {
    const gate = deferred();
    connect.mockImplementation(async () => {
      await gate.promise;
      return openFake() as unknown as Connection;
    });
    const pool = makePool({ maxSize: 2 });
    const leases = Array.from({ length: 5 }, () => lease(pool));
    await settle();
    expect(connect).toHaveBeenCalledTimes(2);
    expect(pool.stats()).toMatchObject({ size: 2, idle: 0, busy: 2, waiting: 3 });
    gate.resolve();
    await Promise.all(leases.slice(0, 2).map((l) => l.conn));
    for (const l of leases) await l.finish();
    expect(connect).toHaveBeenCalledTimes(2);
    expect(opened).toHaveLength(2);
  });
});

describe('ConnectionPool: wait queue', () => {
  it('serves waiters in arrival order on the released connection', async () => {
    const pool = makePool({ maxSize: 1 });
    const holder = lease(pool);
    await holder.conn;
    const served: string[] = [];
    const waiters = ['B', 'C', 'D'].map((name) =>
      pool.use(async (conn) => {
        served.push(`${name}#${fake(conn).id}`);
        await settle();
      }, false),
    );
    await settle();
    expect(pool.stats().waiting).toBe(3);
    expect(served).toEqual([]);
    await holder.finish();
    await Promise.all(waiters);
    expect(served).toEqual(['B#1', 'C#1', 'D#1']);
    expect(connect).toHaveBeenCalledTimes(1);
  });

  describe('acquireTimeout', () => {
    beforeEach(() => {
      vi.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') });
    });

    it('rejects a waiter with a TimeoutError FDFS_ERR_POOL_TIMEOUT naming pool.maxSize', async () => {
      const pool = makePool({ maxSize: 1, acquireTimeout: 1_000 });
      const holder = lease(pool);
      await holder.conn;
      const waiter = lease(pool);
      let settled = false;
      waiter.done.then(
        () => (settled = true),
        () => (settled = true),
      );
      await vi.advanceTimersByTimeAsync(999);
      expect(settled).toBe(false);
      expect(pool.stats().waiting).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      const err = await rejection(waiter.done);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err).toMatchObject({ code: ErrorCode.POOL_TIMEOUT, retriable: true });
      const message = (err as Error).message;
      expect(message).toContain('pool.maxSize 1');
      expect(message).toContain('1000 ms');
      expect(message).toContain(ADDRESS);
      expect(pool.stats().waiting).toBe(0);
      // The connection the waiter gave up on goes back to idle, not to the gone waiter.
      await holder.finish();
      expect(pool.stats()).toMatchObject({ size: 1, idle: 1, waiting: 0 });
    });

    it('removes only the timed-out waiter: the one behind it is served next', async () => {
      const pool = makePool({ maxSize: 1, acquireTimeout: 1_000 });
      const holder = lease(pool);
      await holder.conn;
      const early = lease(pool);
      await vi.advanceTimersByTimeAsync(500);
      const late = lease(pool);
      await vi.advanceTimersByTimeAsync(500);
      expect(await rejection(early.done)).toMatchObject({ code: ErrorCode.POOL_TIMEOUT });
      expect(pool.stats().waiting).toBe(1);
      await holder.finish();
      expect((await late.conn).id).toBe(1);
      expect((await late.finish()).id).toBe(1);
      expect(connect).toHaveBeenCalledTimes(1);
    });
  });

  describe('maxWaiting', () => {
    beforeEach(() => {
      vi.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') });
    });

    it('rejects at once with FDFS_ERR_POOL_FULL when maxWaiting callers already wait', async () => {
      const pool = makePool({ maxSize: 1, maxWaiting: 2 });
      const holder = lease(pool);
      await holder.conn;
      const waiters = [lease(pool), lease(pool)];
      expect(pool.stats().waiting).toBe(2);
      // No timer is advanced: the refusal does not wait for acquireTimeout.
      const err = await rejection(lease(pool).done);
      expect(err).toBeInstanceOf(FdfsError);
      expect(err).toMatchObject({ code: ErrorCode.POOL_FULL, retriable: true });
      expect((err as Error).message).toContain('pool.maxWaiting');
      expect((err as Error).message).toContain('2 callers already waiting');
      expect(pool.stats().waiting).toBe(2);
      await holder.finish();
      for (const w of waiters) expect((await w.finish()).id).toBe(1);
      expect(connect).toHaveBeenCalledTimes(1);
    });
  });
});

describe('ConnectionPool: broken connections', () => {
  it('discards a connection that is broken when released and opens a new one next time', async () => {
    const pool = makePool();
    await pool.use(async (conn) => {
      fake(conn).broken = true;
    }, false);
    expect(nth(1).destroy).toHaveBeenCalledTimes(1);
    await settle();
    expect(pool.stats()).toMatchObject({ size: 0, idle: 0 });
    const next = await pool.use(async (conn) => fake(conn).id, false);
    expect(next).toBe(2);
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('discards a connection that is still busy when released', async () => {
    const pool = makePool();
    await pool.use(async (conn) => {
      fake(conn).busy = true;
    }, false);
    expect(nth(1).destroy).toHaveBeenCalledTimes(1);
    expect(pool.stats().idle).toBe(0);
    expect(await pool.use(async (conn) => fake(conn).id, false)).toBe(2);
  });

  it('skips an idle connection that broke while idle, and destroys it', async () => {
    const pool = makePool();
    await pool.use(async () => undefined, false);
    nth(1).broken = true;
    const id = await pool.use(async (conn) => fake(conn).id, false);
    expect(id).toBe(2);
    expect(nth(1).destroy).toHaveBeenCalledTimes(1);
    await settle();
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1 });
  });

  it('forgets an idle connection whose socket the server closed', async () => {
    const pool = makePool();
    await pool.use(async () => undefined, false);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1 });
    nth(1).closeSocket();
    await settle();
    expect(pool.stats()).toMatchObject({ size: 0, idle: 0 });
    expect(await pool.use(async (conn) => fake(conn).id, false)).toBe(2);
  });

  it('gives the slot of a broken connection to a waiter, on a new connection', async () => {
    const pool = makePool({ maxSize: 1 });
    const failure = new Error('request failed');
    const first = pool.use(async (conn) => {
      await settle();
      fake(conn).broken = true;
      throw failure;
    }, false);
    const waiter = lease(pool);
    await settle();
    expect(pool.stats().waiting).toBe(1);
    await expect(first).rejects.toBe(failure);
    const conn = await waiter.conn;
    expect(conn.id).toBe(2);
    expect(nth(1).destroy).toHaveBeenCalledTimes(1);
    expect(connect).toHaveBeenCalledTimes(2);
    await waiter.finish();
    await settle();
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, waiting: 0 });
  });

  it('frees the slot of a failed connect for the next waiter', async () => {
    const refused = new ConnectError(ADDRESS, new Error('ECONNREFUSED'));
    const gate = deferred();
    connect.mockImplementationOnce(async () => {
      await gate.promise;
      throw refused;
    });
    const pool = makePool({ maxSize: 1 });
    const first = lease(pool);
    const second = lease(pool);
    await settle();
    expect(pool.stats()).toMatchObject({ size: 1, waiting: 1 });
    gate.resolve();
    await expect(first.done).rejects.toBe(refused);
    expect((await second.conn).id).toBe(1);
    await second.finish();
    expect(connect).toHaveBeenCalledTimes(2);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, waiting: 0 });
  });
});

describe('ConnectionPool: after a failed request (as the C client: closed unless ENOENT)', () => {
  it('keeps a connection whose request was answered ENOENT', async () => {
    const pool = makePool();
    const failure = new StatusError(2, 'download', ADDRESS);
    await expect(pool.use(async () => Promise.reject(failure), false)).rejects.toBe(failure);
    expect(nth(1).destroy).not.toHaveBeenCalled();
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1 });
    expect(await pool.use(async (conn) => fake(conn).id, false)).toBe(1);
  });

  it.each([
    ['EINVAL', () => new StatusError(22, 'download', ADDRESS)],
    ['EEXIST', () => new StatusError(17, 'upload slave', ADDRESS)],
    ['an unknown status', () => new StatusError(200, 'query', ADDRESS)],
    ['a reply that does not decode', () => new FdfsError(ErrorCode.PROTOCOL, 'short body')],
    ['a plain Error', () => new Error('boom')],
  ])('destroys a connection whose request failed with %s, and opens a new one next time', async (_what, make) => {
    const pool = makePool();
    const failure = make();
    await expect(pool.use(async () => Promise.reject(failure), false)).rejects.toBe(failure);
    expect(nth(1).destroy).toHaveBeenCalledTimes(1);
    await settle();
    expect(pool.stats()).toMatchObject({ size: 0, idle: 0 });
    expect(await pool.use(async (conn) => fake(conn).id, false)).toBe(2);
  });

  it('destroys the connection of a streamed request answered with an error status other than ENOENT', async () => {
    const pool = makePool();
    const failure = new StatusError(22, 'download', ADDRESS);
    await expect(
      pool.useStream<PassThrough>(async () => {
        throw failure;
      }, false),
    ).rejects.toBe(failure);
    expect(nth(1).destroy).toHaveBeenCalledTimes(1);
    await settle();
    expect(pool.stats()).toMatchObject({ size: 0, idle: 0 });
  });

  it('does not retry a request refused with a status (an answer, even on a reused connection)', async () => {
    const pool = makePool();
    await pool.use(async () => undefined, true);
    let calls = 0;
    const failure = new StatusError(22, 'download', ADDRESS);
    await expect(
      pool.use(async () => {
        calls++;
        throw failure;
      }, true),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
  });
});

describe('ConnectionPool: retry of an idempotent request', () => {
  it('retries once on a new connection when a reused connection closed before the reply', async () => {
    const pool = makePool();
    await pool.use(async () => undefined, true);
    const seen: number[] = [];
    const answer = await pool.use(async (conn) => {
      seen.push(fake(conn).id);
      if (fake(conn).id === 1) throw closedBeforeReply(fake(conn));
      return 'answer';
    }, true);
    expect(answer).toBe('answer');
    expect(seen).toEqual([1, 2]);
    expect(connect).toHaveBeenCalledTimes(2);
    await settle();
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1 });
  });

  it('retries only once: a failure on the new connection is thrown', async () => {
    const pool = makePool();
    await pool.use(async () => undefined, true);
    const errors: ConnectionClosedError[] = [];
    const result = pool.use(async (conn) => {
      const err = closedBeforeReply(fake(conn));
      errors.push(err);
      throw err;
    }, true);
    const err = await rejection(result);
    expect(errors).toHaveLength(2);
    expect(err).toBe(errors[1]);
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('does not retry on a fresh connection (the first use of a new connection)', async () => {
    const pool = makePool();
    let calls = 0;
    const result = pool.use(async (conn) => {
      calls++;
      throw closedBeforeReply(fake(conn));
    }, true);
    expect(await rejection(result)).toBeInstanceOf(ConnectionClosedError);
    expect(calls).toBe(1);
    expect(connect).toHaveBeenCalledTimes(1);
  });

  const noRetry: Array<{ name: string; idempotent: boolean; error: (conn: FakeConnection) => Error }> = [
    { name: 'a non-idempotent request', idempotent: false, error: (conn) => closedBeforeReply(conn) },
    {
      name: 'a close in the middle of the reply (beforeReply false)',
      idempotent: true,
      error: (conn) => {
        conn.closeSocket();
        return new ConnectionClosedError(conn.address, false);
      },
    },
    { name: 'a StatusError', idempotent: true, error: (conn) => new StatusError(2, 'query', conn.address) },
    {
      name: 'a network timeout',
      idempotent: true,
      error: (conn) => new TimeoutError(ErrorCode.NETWORK_TIMEOUT, `no data from ${conn.address}`),
    },
  ];

  it.each(noRetry)('does not retry $name on a reused connection', async ({ idempotent, error }) => {
    const pool = makePool();
    await pool.use(async () => undefined, idempotent);
    let calls = 0;
    let thrown: Error | undefined;
    const result = pool.use(async (conn) => {
      calls++;
      thrown = error(fake(conn));
      throw thrown;
    }, idempotent);
    const err = await rejection(result);
    expect(err).toBe(thrown);
    expect(calls).toBe(1);
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('drops the other idle connections before retrying', async () => {
    const pool = makePool({ maxSize: 3 });
    const leases = [lease(pool), lease(pool), lease(pool)];
    await Promise.all(leases.map((l) => l.conn));
    for (const l of leases) await l.finish();
    expect(pool.stats()).toMatchObject({ size: 3, idle: 3 });
    const seen: number[] = [];
    await pool.use(async (conn) => {
      seen.push(fake(conn).id);
      if (seen.length === 1) throw closedBeforeReply(fake(conn));
    }, true);
    expect(seen).toEqual([3, 4]);
    expect(nth(1).destroy).toHaveBeenCalledTimes(1);
    expect(nth(2).destroy).toHaveBeenCalledTimes(1);
    expect(nth(4).destroy).not.toHaveBeenCalled();
    await settle();
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, busy: 0 });
    expect(await pool.use(async (conn) => fake(conn).id, true)).toBe(4);
  });
});

describe('ConnectionPool: useStream', () => {
  it('keeps the connection out of the pool until the stream closes', async () => {
    const pool = makePool({ maxSize: 1 });
    let streamConn: FakeConnection | undefined;
    const stream = await pool.useStream(async (conn) => {
      streamConn = fake(conn);
      return new PassThrough();
    }, false);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 0, busy: 1 });
    const next = lease(pool);
    await settle();
    expect(pool.stats().waiting).toBe(1);
    const closed = once(stream, 'close');
    stream.resume();
    stream.end('body');
    await closed;
    const conn = await next.conn;
    expect(conn).toBe(streamConn);
    expect(conn.id).toBe(1);
    await next.finish();
    expect(connect).toHaveBeenCalledTimes(1);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, waiting: 0 });
  });

  it('returns the connection to the pool at once when the callback fails before a stream exists', async () => {
    const pool = makePool();
    const failure = new StatusError(2, 'download', ADDRESS);
    const result = pool.useStream<PassThrough>(async () => {
      throw failure;
    }, false);
    await expect(result).rejects.toBe(failure);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, busy: 0 });
  });

  it('retries an idempotent streamed request once when a reused connection closed before the reply', async () => {
    const pool = makePool();
    await pool.use(async () => undefined, true);
    const seen: number[] = [];
    const stream = await pool.useStream(async (conn) => {
      seen.push(fake(conn).id);
      if (fake(conn).id === 1) throw closedBeforeReply(fake(conn));
      return new PassThrough();
    }, true);
    expect(seen).toEqual([1, 2]);
    stream.destroy();
    await once(stream, 'close');
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1 });
  });
});

describe('ConnectionPool: idle eviction', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') });
  });

  it('quits connections idle for idleTimeout on a sweeper tick, and keeps recently used ones', async () => {
    // idleTimeout 10 s: the sweeper runs every 5 s (at 5, 10, 15, 20 s).
    const pool = makePool({ maxSize: 2, idleTimeout: 10_000 });
    const a = lease(pool);
    const b = lease(pool);
    await Promise.all([a.conn, b.conn]);
    await a.finish(); // #1 idle since 0 s
    await vi.advanceTimersByTimeAsync(6_000);
    await b.finish(); // #2 idle since 6 s
    await vi.advanceTimersByTimeAsync(3_999);
    expect(nth(1).quit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1); // 10 s
    expect(nth(1).quit).toHaveBeenCalledTimes(1);
    expect(nth(2).quit).not.toHaveBeenCalled();
    await settle();
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1 });
    await vi.advanceTimersByTimeAsync(5_000); // 15 s: #2 idle for 9 s only
    expect(nth(2).quit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(5_000); // 20 s
    expect(nth(2).quit).toHaveBeenCalledTimes(1);
    await settle();
    expect(pool.stats()).toMatchObject({ size: 0, idle: 0 });
    expect(nth(1).destroy).not.toHaveBeenCalled();
    expect(await pool.use(async (conn) => fake(conn).id, false)).toBe(3);
  });

  it('a connection used again in time is not evicted', async () => {
    const pool = makePool({ idleTimeout: 10_000 });
    await pool.use(async () => undefined, false);
    await vi.advanceTimersByTimeAsync(9_000);
    await pool.use(async () => undefined, false); // idle again from 9 s
    await vi.advanceTimersByTimeAsync(6_000); // ticks at 10 s and 15 s
    expect(nth(1).quit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(5_000); // 20 s: idle for 11 s
    expect(nth(1).quit).toHaveBeenCalledTimes(1);
  });

  it('evicts an idle connection that broke, whatever its age', async () => {
    const pool = makePool({ idleTimeout: 10_000 });
    await pool.use(async () => undefined, false);
    nth(1).broken = true;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(nth(1).quit).toHaveBeenCalledTimes(1);
    expect(pool.stats().idle).toBe(0);
  });

  it('sweeps at least every 250 ms for a short idleTimeout', async () => {
    const pool = makePool({ idleTimeout: 100 });
    await pool.use(async () => undefined, false);
    await vi.advanceTimersByTimeAsync(249);
    expect(nth(1).quit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(nth(1).quit).toHaveBeenCalledTimes(1);
  });
});

describe('ConnectionPool: close()', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') });
  });

  it('rejects waiting callers with FDFS_ERR_POOL_CLOSED', async () => {
    const pool = makePool({ maxSize: 1 });
    const holder = lease(pool);
    await holder.conn;
    const waiters = [lease(pool), lease(pool)];
    pool.close();
    for (const w of waiters) {
      const err = await rejection(w.done);
      expect(err).toBeInstanceOf(FdfsError);
      expect(err).toMatchObject({ code: ErrorCode.POOL_CLOSED });
      expect((err as Error).message).toContain(ADDRESS);
    }
    expect(pool.stats().waiting).toBe(0);
    // The connection still in use is destroyed when it comes back, not pooled.
    await holder.finish();
    expect(nth(1).destroy).toHaveBeenCalledTimes(1);
    expect(pool.stats().idle).toBe(0);
  });

  it('quits the idle connections', async () => {
    const pool = makePool({ maxSize: 2 });
    const a = lease(pool);
    const b = lease(pool);
    await Promise.all([a.conn, b.conn]);
    await a.finish();
    await b.finish();
    pool.close();
    expect(nth(1).quit).toHaveBeenCalledTimes(1);
    expect(nth(2).quit).toHaveBeenCalledTimes(1);
    expect(pool.stats().idle).toBe(0);
    await settle();
    expect(pool.stats().size).toBe(0);
  });

  it('makes later calls fail with FDFS_ERR_POOL_CLOSED without connecting', async () => {
    const pool = makePool();
    pool.close();
    const fn = vi.fn(async () => 'never');
    const err = await rejection(pool.use(fn, true));
    expect(err).toBeInstanceOf(FdfsError);
    expect(err).toMatchObject({ code: ErrorCode.POOL_CLOSED });
    await expect(pool.useStream(async () => new PassThrough(), true)).rejects.toMatchObject({
      code: ErrorCode.POOL_CLOSED,
    });
    await expect(pool.acquire()).rejects.toMatchObject({ code: ErrorCode.POOL_CLOSED });
    expect(fn).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
  });

  it('stops the idle sweeper', () => {
    const pool = makePool();
    expect(vi.getTimerCount()).toBe(1);
    pool.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ConnectionPool: stats()', () => {
  it('reports address, size, idle, busy and waiting through a pool life', async () => {
    const pool = makePool({ maxSize: 2 });
    expect(pool.stats()).toEqual({ address: ADDRESS, size: 0, idle: 0, busy: 0, waiting: 0 });
    const a = lease(pool);
    const b = lease(pool);
    await Promise.all([a.conn, b.conn]);
    expect(pool.stats()).toEqual({ address: ADDRESS, size: 2, idle: 0, busy: 2, waiting: 0 });
    const c = lease(pool);
    await settle();
    expect(pool.stats()).toEqual({ address: ADDRESS, size: 2, idle: 0, busy: 2, waiting: 1 });
    await a.finish(); // handed straight to the waiter
    expect(pool.stats()).toEqual({ address: ADDRESS, size: 2, idle: 0, busy: 2, waiting: 0 });
    await b.finish();
    expect(pool.stats()).toEqual({ address: ADDRESS, size: 2, idle: 1, busy: 1, waiting: 0 });
    await c.finish();
    expect(pool.stats()).toEqual({ address: ADDRESS, size: 2, idle: 2, busy: 0, waiting: 0 });
  });

  it('names an IPv6 server in brackets', () => {
    const pool = makePool({}, { host: '::1', port: 23000 });
    expect(pool.address).toBe('[::1]:23000');
    expect(pool.stats().address).toBe('[::1]:23000');
  });
});
