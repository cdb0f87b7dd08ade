/**
 * Concurrent loads of one key make one origin call; an origin error reaches every waiter and is
 * not remembered; a purge while a load is under way keeps its bytes out of the cache.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesFor, closeTestCaches, countingOrigin, testCache } from '../../helpers/picture-cache.js';

afterEach(closeTestCaches);

/** An origin whose answer the test gives when it wants. */
function heldOrigin(): {
  origin: (key: string) => Promise<Buffer>;
  calls: string[];
  /** Resolves once origin has been called. */
  called(): Promise<void>;
  answer(bytes: Buffer): void;
  fail(err: Error): void;
} {
  const calls: string[] = [];
  let settle: { resolve(bytes: Buffer): void; reject(err: Error): void } | undefined;
  return {
    calls,
    origin: (key) => {
      calls.push(key);
      return new Promise<Buffer>((resolve, reject) => (settle = { resolve, reject }));
    },
    called: async () => {
      while (settle === undefined) await new Promise((resolve) => setImmediate(resolve));
    },
    answer: (bytes) => settle?.resolve(bytes),
    fail: (err) => settle?.reject(err),
  };
}

describe('PictureCache single flight', () => {
  it('100 concurrent loads of one key: one origin call, the same entry for all, 99 coalesced', async () => {
    const { cache } = await testCache();
    const origin = countingOrigin(3000, 30);
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.load('g01/M00/00/00/a.jpg', origin)));
    expect(origin.calls).toEqual(['g01/M00/00/00/a.jpg']);
    const first = results[0]?.entry;
    expect(first?.bytes.equals(bytesFor('g01/M00/00/00/a.jpg', 3000))).toBe(true);
    for (const result of results) expect(result).toEqual({ entry: first, from: 'origin' });
    expect(results.every((result) => result.entry === first)).toBe(true);
    expect(cache.stats()).toMatchObject({ coalesced: 99, originFetches: 1, misses: 100, entries: 1 });
    expect(await cache.load('g01/M00/00/00/a.jpg', origin)).toEqual({ entry: first, from: 'memory' });
    expect(origin.calls).toHaveLength(1);
  });

  it('concurrent loads of different keys do not wait for one another', async () => {
    const { cache } = await testCache();
    const slow = heldOrigin();
    const pending = cache.load('slow', slow.origin);
    await slow.called();
    const fast = await cache.load('fast', countingOrigin(10));
    expect(fast.from).toBe('origin');
    slow.answer(bytesFor('slow', 10));
    expect((await pending).entry.bytes.equals(bytesFor('slow', 10))).toBe(true);
    expect(cache.stats().coalesced).toBe(0);
  });

  it('an origin error reaches every waiter, stores nothing, and the next load calls origin again', async () => {
    const { cache } = await testCache();
    const held = heldOrigin();
    const loads = Array.from({ length: 10 }, () => cache.load('k', held.origin));
    const failure = new Error('storage said ENOENT');
    await held.called();
    held.fail(failure);
    const outcomes = await Promise.allSettled(loads);
    for (const outcome of outcomes) expect(outcome).toEqual({ status: 'rejected', reason: failure });
    expect(held.calls).toEqual(['k']);
    expect(cache.peek('k')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ originFetches: 1, originErrors: 1, coalesced: 9, misses: 10, entries: 0 });

    const retry = countingOrigin(10);
    expect((await cache.load('k', retry)).from).toBe('origin');
    expect(retry.calls).toEqual(['k']);
    expect(cache.peek('k')?.bytes.equals(bytesFor('k', 10))).toBe(true);
  });

  it('an origin that throws at once (not a rejected promise) fails the load and leaves no flight behind', async () => {
    const { cache } = await testCache();
    const throwing = (): Promise<Buffer> => {
      throw new RangeError('bad file id');
    };
    await expect(cache.load('k', throwing)).rejects.toThrow('bad file id');
    const origin = countingOrigin(10);
    expect((await cache.load('k', origin)).from).toBe('origin');
    expect(origin.calls).toEqual(['k']);
  });

  it('an origin that answers something other than a Buffer is an error, and nothing is stored', async () => {
    const { cache } = await testCache();
    const wrong = (async () => 'text') as unknown as (key: string) => Promise<Buffer>;
    await expect(cache.load('k', wrong)).rejects.toThrow(/not a Buffer/);
    expect(cache.stats()).toMatchObject({ entries: 0, originErrors: 1 });
  });

  it('a purge while the load is under way: the waiters get the bytes, the cache does not keep them', async () => {
    const { cache } = await testCache();
    const held = heldOrigin();
    const loads = [cache.load('k', held.origin), cache.load('k', held.origin)];
    const other = heldOrigin();
    const otherLoad = cache.load('other', other.origin);
    await Promise.all([held.called(), other.called()]);
    expect(await cache.purge(['k'])).toEqual({ memory: 0, redis: 'off', broadcast: 'off' });
    held.answer(bytesFor('k', 100));
    other.answer(bytesFor('other', 100));
    for (const result of await Promise.all(loads)) {
      expect(result.from).toBe('origin');
      expect(result.entry.bytes.equals(bytesFor('k', 100))).toBe(true);
    }
    await otherLoad;
    expect(cache.peek('k')).toBeUndefined();
    expect(cache.peek('other')).toBeDefined(); // a purge of k leaves other keys' loads alone
    const again = countingOrigin(100);
    expect((await cache.load('k', again)).from).toBe('origin');
    expect(again.calls).toEqual(['k']);
    expect(cache.peek('k')).toBeDefined(); // that load began after the purge: kept
  });

  it('a purge removes what memory holds and counts it; bad keys are refused and change nothing', async () => {
    const { cache } = await testCache();
    const origin = countingOrigin(10);
    for (const key of ['a', 'b', 'c']) await cache.load(key, origin);
    expect(await cache.purge(['a', 'b', 'missing'])).toEqual({ memory: 2, redis: 'off', broadcast: 'off' });
    expect(cache.stats()).toMatchObject({ purged: 2, entries: 1 });
    await expect(cache.purge(['c', 5 as unknown as string])).rejects.toThrow(TypeError);
    await expect(cache.purge(['c', ''])).rejects.toThrow(/1 to 1024 characters/);
    await expect(cache.purge(['c', 'x'.repeat(1025)])).rejects.toThrow(/1 to 1024 characters/);
    expect(cache.peek('c')).toBeDefined();
    expect(await cache.purge([])).toEqual({ memory: 0, redis: 'off', broadcast: 'off' });
  });

  it('loads that end after close() store nothing', async () => {
    const { cache } = await testCache();
    const held = heldOrigin();
    const load = cache.load('k', held.origin);
    await held.called();
    await cache.close();
    held.answer(bytesFor('k', 10));
    expect((await load).from).toBe('origin');
    expect(cache.stats().entries).toBe(0);
  });
});
