/**
 * TrackerSet unit tests: each tracker is a fake pool (only `address` and `use(fn, idempotent)`)
 * that either fails with a chosen error or runs `fn` on a stand-in connection, and the clock is
 * a variable the tests move by hand.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectError,
  ConnectionClosedError,
  ErrorCode,
  FdfsError,
  InvalidArgumentError,
  NoTrackerError,
  ProtocolError,
  StatusError,
  TimeoutError,
} from '../../../libs/fastdfs-client-ts/src/errors.js';
import type { Connection } from '../../../libs/fastdfs-client-ts/src/net/connection.js';
import type { ConnectionPool } from '../../../libs/fastdfs-client-ts/src/net/pool.js';
import { TrackerSet } from '../../../libs/fastdfs-client-ts/src/net/tracker-set.js';

const RETRY = 5_000;
const ADDRESSES = ['10.0.0.1:22122', '10.0.0.2:22122', '10.0.0.3:22122'];

let clock = 0;
/** Addresses of the pools asked, in order, across every request of a test. */
let asked: string[] = [];

class FakePool {
  /** When set, use() rejects with it instead of running fn. */
  fail: Error | undefined;
  /** Milliseconds each use() takes on the fake clock. */
  latency = 0;
  readonly idempotent: boolean[] = [];

  constructor(readonly address: string) {}

  async use<T>(fn: (conn: Connection) => Promise<T>, idempotent: boolean): Promise<T> {
    asked.push(this.address);
    this.idempotent.push(idempotent);
    clock += this.latency;
    if (this.fail !== undefined) throw this.fail;
    return fn({ address: this.address } as unknown as Connection);
  }
}

function cluster(count = 3): { set: TrackerSet; pools: FakePool[] } {
  const pools = ADDRESSES.slice(0, count).map((address) => new FakePool(address));
  const set = new TrackerSet(pools as unknown as ConnectionPool[], RETRY, () => clock);
  return { set, pools };
}

function pool(pools: FakePool[], index: number): FakePool {
  const found = pools[index];
  if (found === undefined) throw new Error(`no pool #${index}`);
  return found;
}

/** A request whose answer is the address of the tracker that served it. */
const ask = (set: TrackerSet): Promise<string> => set.use(async (conn) => conn.address);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${String(value)}`),
    (err: unknown) => err,
  );
}

const refused = (address: string): ConnectError => new ConnectError(address, new Error('ECONNREFUSED'));

beforeEach(() => {
  clock = 1_000_000;
  asked = [];
});

describe('TrackerSet: round robin', () => {
  it('starts each request at the next tracker in turn', async () => {
    const { set } = cluster(3);
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) answers.push(await ask(set));
    expect(answers).toEqual([ADDRESSES[0], ADDRESSES[1], ADDRESSES[2], ADDRESSES[0], ADDRESSES[1]]);
    expect(asked).toEqual(answers);
  });

  it('returns what fn returned on the tracker connection', async () => {
    const { set } = cluster(2);
    const result = await set.use(async (conn) => ({ served: conn.address }));
    expect(result).toEqual({ served: ADDRESSES[0] });
  });

  it('passes idempotent on to the pool, true by default', async () => {
    const { set, pools } = cluster(2);
    await ask(set);
    await set.use(async (conn) => conn.address, false);
    pool(pools, 0).fail = refused(ADDRESSES[0] as string);
    await set.use(async (conn) => conn.address, false); // fails over: both asked with false
    expect(pools.map((p) => p.idempotent)).toEqual([
      [true, false],
      [false, false],
    ]);
  });

  it('works with a single tracker', async () => {
    const { set } = cluster(1);
    expect([await ask(set), await ask(set)]).toEqual([ADDRESSES[0], ADDRESSES[0]]);
  });
});

describe('TrackerSet: failover', () => {
  const failover: Array<[string, (address: string) => Error]> = [
    ['ConnectError', refused],
    ['ConnectionClosedError before the reply', (address) => new ConnectionClosedError(address, true)],
    ['ConnectionClosedError in the middle of the reply', (address) => new ConnectionClosedError(address, false)],
    ['connect timeout', () => new TimeoutError(ErrorCode.CONNECT_TIMEOUT, 'connect timed out')],
    ['network timeout', () => new TimeoutError(ErrorCode.NETWORK_TIMEOUT, 'no data')],
    ['pool timeout', () => new TimeoutError(ErrorCode.POOL_TIMEOUT, 'no free connection (pool.maxSize 1)')],
    ['pool full', () => new FdfsError(ErrorCode.POOL_FULL, 'callers already waiting (pool.maxWaiting)')],
  ];

  it.each(failover)('fails over to the next tracker on a %s and marks the failed one down', async (_name, make) => {
    const { set, pools } = cluster(3);
    const err = make(ADDRESSES[0] as string);
    pool(pools, 0).fail = err;
    expect(await ask(set)).toBe(ADDRESSES[1]);
    expect(asked).toEqual([ADDRESSES[0], ADDRESSES[1]]);
    const [first, second] = set.status();
    expect(first).toMatchObject({ state: 'down', failures: 1, lastError: err.message, retryAt: clock + RETRY });
    expect(second).toMatchObject({ state: 'up', failures: 0 });
  });

  it('tries the trackers in turn until one answers', async () => {
    const { set, pools } = cluster(3);
    pool(pools, 0).fail = refused(ADDRESSES[0] as string);
    pool(pools, 1).fail = new TimeoutError(ErrorCode.NETWORK_TIMEOUT, 'no data');
    expect(await ask(set)).toBe(ADDRESSES[2]);
    expect(asked).toEqual([ADDRESSES[0], ADDRESSES[1], ADDRESSES[2]]);
  });

  it('fails over from the tracker whose turn it is, wrapping around the list', async () => {
    const { set, pools } = cluster(3);
    await ask(set);
    await ask(set);
    asked = [];
    pool(pools, 2).fail = refused(ADDRESSES[2] as string);
    expect(await ask(set)).toBe(ADDRESSES[0]);
    expect(asked).toEqual([ADDRESSES[2], ADDRESSES[0]]);
  });

  const final: Array<[string, () => Error]> = [
    ['a StatusError', () => new StatusError(2, 'query store', ADDRESSES[0] as string)],
    ['a ProtocolError', () => new ProtocolError('reply cmd 99, expected 100')],
    ['a closed pool (POOL_CLOSED)', () => new FdfsError(ErrorCode.POOL_CLOSED, 'pool is closed')],
    ['an InvalidArgumentError', () => new InvalidArgumentError('bad group name')],
    ['a plain Error', () => new Error('bug in fn')],
  ];

  it.each(final)('does not fail over on %s: it is thrown as is', async (_name, make) => {
    const { set, pools } = cluster(3);
    const err = make();
    pool(pools, 0).fail = err;
    expect(await rejection(ask(set))).toBe(err);
    expect(asked).toEqual([ADDRESSES[0]]);
    expect(set.status()[0]).toStrictEqual({ address: ADDRESSES[0], state: 'up', failures: 0 });
  });

  it('a StatusError after a failover ends the search: later trackers are not asked', async () => {
    const { set, pools } = cluster(3);
    const status = new StatusError(28, 'query store', ADDRESSES[1] as string);
    pool(pools, 0).fail = refused(ADDRESSES[0] as string);
    pool(pools, 1).fail = status;
    expect(await rejection(ask(set))).toBe(status);
    expect(asked).toEqual([ADDRESSES[0], ADDRESSES[1]]);
    expect(set.status().map((s) => s.state)).toEqual(['down', 'up', 'up']);
  });
});

describe('TrackerSet: down trackers', () => {
  it('tries a down tracker after the up ones until retryAt, then in its turn again', async () => {
    const { set, pools } = cluster(2);
    const first = pool(pools, 0);
    first.fail = refused(first.address);
    const downAt = clock;
    expect(await ask(set)).toBe(ADDRESSES[1]); // first's turn: it fails, second answers
    first.fail = undefined; // recovered, but still marked down
    expect(await ask(set)).toBe(ADDRESSES[1]); // second's turn
    asked = [];
    expect(await ask(set)).toBe(ADDRESSES[1]); // first's turn, but it is down: skipped
    expect(asked).toEqual([ADDRESSES[1]]);
    clock = downAt + RETRY - 1;
    await ask(set); // second's turn
    asked = [];
    expect(await ask(set)).toBe(ADDRESSES[1]); // first's turn, 1 ms before retryAt: still skipped
    expect(asked).toEqual([ADDRESSES[1]]);
    clock = downAt + RETRY;
    await ask(set); // second's turn
    asked = [];
    expect(await ask(set)).toBe(ADDRESSES[0]); // first's turn, at retryAt: tried and answers
    expect(asked).toEqual([ADDRESSES[0]]);
    const recovered = set.status()[0];
    expect(recovered).toMatchObject({ address: ADDRESSES[0], state: 'up', failures: 0 });
    expect(recovered).not.toHaveProperty('retryAt');
  });

  it('a down tracker is still asked when the up ones fail', async () => {
    const { set, pools } = cluster(2);
    pool(pools, 0).fail = refused(ADDRESSES[0] as string);
    await ask(set); // marks the first down
    pool(pools, 0).fail = undefined;
    pool(pools, 1).fail = refused(ADDRESSES[1] as string);
    asked = [];
    expect(await ask(set)).toBe(ADDRESSES[0]);
    expect(asked).toEqual([ADDRESSES[1], ADDRESSES[0]]);
    expect(set.status().map((s) => s.state)).toEqual(['up', 'down']);
  });

  it('a tracker that still fails at retryAt is marked down again with a new retryAt', async () => {
    const { set, pools } = cluster(2);
    const first = pool(pools, 0);
    first.fail = refused(first.address);
    await ask(set);
    clock += RETRY;
    await ask(set); // second's turn
    asked = [];
    first.fail = new ConnectionClosedError(first.address, true);
    expect(await ask(set)).toBe(ADDRESSES[1]);
    expect(asked).toEqual([ADDRESSES[0], ADDRESSES[1]]);
    expect(set.status()[0]).toStrictEqual({
      address: ADDRESSES[0],
      state: 'down',
      failures: 2,
      lastError: first.fail.message,
      retryAt: clock + RETRY,
    });
  });

  it('when every tracker is down, all are tried anyway, soonest retryAt first', async () => {
    const { set, pools } = cluster(3);
    for (const p of pools) {
      p.latency = 10; // so each failure gets its own retryAt
      p.fail = refused(p.address);
    }
    const start = clock;
    await rejection(ask(set));
    expect(set.status().map((s) => s.retryAt)).toEqual([start + 10 + RETRY, start + 20 + RETRY, start + 30 + RETRY]);
    pool(pools, 2).fail = undefined;
    clock = start + 100;
    asked = [];
    // The second tracker's turn; all are down, so the order is by retryAt instead.
    expect(await ask(set)).toBe(ADDRESSES[2]);
    expect(asked).toEqual([ADDRESSES[0], ADDRESSES[1], ADDRESSES[2]]);
  });

  it('a stale down mark never turns a working cluster into an error', async () => {
    const { set, pools } = cluster(2);
    for (const p of pools) p.fail = refused(p.address);
    await rejection(ask(set));
    expect(set.status().map((s) => s.state)).toEqual(['down', 'down']);
    for (const p of pools) p.fail = undefined;
    clock += 1; // long before retryAt
    expect(await ask(set)).toBe(ADDRESSES[1]);
    expect(set.status().map((s) => s.state)).toEqual(['down', 'up']);
  });
});

describe('TrackerSet: NoTrackerError', () => {
  it('names every attempt, in the order tried', async () => {
    const { set, pools } = cluster(3);
    const errors = [
      refused(ADDRESSES[0] as string),
      new TimeoutError(ErrorCode.POOL_TIMEOUT, 'no free connection within 100 ms (pool.maxSize 1)'),
      new ConnectionClosedError(ADDRESSES[2] as string, true),
    ];
    pools.forEach((p, i) => (p.fail = errors[i]));
    await rejection(ask(set)); // the first tracker's turn; this moves the turn on to the second
    clock += RETRY; // the down marks from that request have expired
    asked = [];
    const err = await rejection(ask(set));
    expect(err).toBeInstanceOf(NoTrackerError);
    expect(err).toBeInstanceOf(FdfsError);
    const noTracker = err as NoTrackerError;
    expect(noTracker.code).toBe(ErrorCode.NO_TRACKER);
    expect(noTracker.retriable).toBe(true);
    expect(asked).toEqual([ADDRESSES[1], ADDRESSES[2], ADDRESSES[0]]);
    expect(noTracker.attempts).toEqual([
      { address: ADDRESSES[1], error: errors[1] },
      { address: ADDRESSES[2], error: errors[2] },
      { address: ADDRESSES[0], error: errors[0] },
    ]);
    expect(noTracker.attempts.map((a) => a.error)).toEqual([errors[1], errors[2], errors[0]]);
    expect(noTracker.cause).toBe(errors[0]);
    expect(noTracker.message).toContain('tried 3');
    for (const [i, address] of ADDRESSES.entries()) {
      expect(noTracker.message).toContain(`${address} (${(errors[i] as Error).message})`);
    }
  });

  it('with one tracker, names its one attempt', async () => {
    const { set, pools } = cluster(1);
    const err = refused(ADDRESSES[0] as string);
    pool(pools, 0).fail = err;
    const noTracker = (await rejection(ask(set))) as NoTrackerError;
    expect(noTracker).toBeInstanceOf(NoTrackerError);
    expect(noTracker.attempts).toEqual([{ address: ADDRESSES[0], error: err }]);
    expect(noTracker.message).toContain('tried 1');
  });
});

describe('TrackerSet: status()', () => {
  it('reports every tracker up, with no failures, at the start', () => {
    const { set } = cluster(3);
    expect(set.status()).toStrictEqual(ADDRESSES.map((address) => ({ address, state: 'up', failures: 0 })));
  });

  it('reports a failed tracker down with failures, lastError and retryAt = now + retryInterval', async () => {
    const { set, pools } = cluster(2);
    const err = refused(ADDRESSES[0] as string);
    pool(pools, 0).fail = err;
    await ask(set);
    expect(set.status()).toStrictEqual([
      { address: ADDRESSES[0], state: 'down', failures: 1, lastError: err.message, retryAt: clock + RETRY },
      { address: ADDRESSES[1], state: 'up', failures: 0 },
    ]);
  });

  it('reads a down tracker as up once retryAt has come, without a request', async () => {
    const { set, pools } = cluster(2);
    pool(pools, 0).fail = refused(ADDRESSES[0] as string);
    await ask(set);
    const retryAt = clock + RETRY;
    clock = retryAt - 1;
    expect(set.status()[0]).toMatchObject({ state: 'down', retryAt });
    clock = retryAt;
    const first = set.status()[0];
    expect(first).toMatchObject({ state: 'up', failures: 1 });
    expect(first).not.toHaveProperty('retryAt');
  });

  it('counts consecutive failures and clears them on success', async () => {
    const { set, pools } = cluster(1);
    const only = pool(pools, 0);
    only.fail = refused(only.address);
    await rejection(ask(set));
    expect(set.status()[0]).toMatchObject({ state: 'down', failures: 1, retryAt: clock + RETRY });
    clock += 1_000;
    only.fail = new TimeoutError(ErrorCode.NETWORK_TIMEOUT, 'second failure');
    await rejection(ask(set));
    expect(set.status()[0]).toMatchObject({
      state: 'down',
      failures: 2,
      lastError: 'second failure',
      retryAt: clock + RETRY,
    });
    only.fail = undefined;
    expect(await ask(set)).toBe(only.address);
    const after = set.status()[0];
    expect(after).toMatchObject({ address: only.address, state: 'up', failures: 0 });
    expect(after).not.toHaveProperty('retryAt');
  });
});

describe('TrackerSet: construction', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('throws FDFS_ERR_INVALID_CONFIG without a tracker', () => {
    let thrown: unknown;
    try {
      new TrackerSet([], RETRY);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FdfsError);
    expect(thrown).toMatchObject({ code: ErrorCode.INVALID_CONFIG });
    expect((thrown as Error).message).toContain('tracker');
  });

  it('exposes its pools in the order given', () => {
    const { set, pools } = cluster(3);
    expect(set.pools).toEqual(pools);
    expect(set.pools.map((p) => p.address)).toEqual(ADDRESSES);
  });

  it('uses Date.now as the clock by default', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(42_000);
    const pools = [new FakePool(ADDRESSES[0] as string), new FakePool(ADDRESSES[1] as string)];
    const set = new TrackerSet(pools as unknown as ConnectionPool[], RETRY);
    pool(pools, 0).fail = refused(ADDRESSES[0] as string);
    expect(await ask(set)).toBe(ADDRESSES[1]);
    expect(set.status()[0]).toMatchObject({ state: 'down', retryAt: 42_000 + RETRY });
  });
});
