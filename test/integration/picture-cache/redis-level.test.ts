/**
 * PictureCache on a real redis-server: the second level shared by instances, the purge
 * broadcast, and Redis stopped, restarted, unreachable at start or frozen (SIGSTOP).
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  bytesFor,
  closeTestCaches,
  countingOrigin,
  testCache,
  waitUntil,
  type TestEntry,
} from '../../helpers/picture-cache.js';
import { hasRedisServer, peekClient, startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import type { PictureCacheOptions } from '@pic-storage/picture-cache';

const TTL_SECONDS = 600;

function redisLevel(url: string, more: Partial<NonNullable<PictureCacheOptions<TestEntry>['redis']>> = {}) {
  return { url, ttlSeconds: TTL_SECONDS, maxEntryBytes: 64 * 1024, ...more };
}

/** A cache on `url`, started and up (its channel subscribed). */
async function upCache(url: string, options: Partial<Omit<PictureCacheOptions<TestEntry>, 'logger'>> = {}) {
  const made = await testCache({ ...options, redis: options.redis ?? redisLevel(url) });
  await waitUntil(() => made.cache.stats().redis === 'up', 'the cache sees Redis up');
  return made;
}

describe.skipIf(!hasRedisServer)('PictureCache with a shared Redis', () => {
  let redis: RedisServer;
  let peek: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    peek = await peekClient(redis.url);
  });
  afterAll(async () => {
    peek?.disconnect();
    await redis?.stop();
  });
  beforeEach(async () => {
    await peek.flushall();
  });
  afterEach(closeTestCaches);

  it('B finds in Redis what A loaded from origin: B does not call origin; the value is pic:file:<key> with its TTL', async () => {
    const { cache: a } = await upCache(redis.url);
    const { cache: b } = await upCache(redis.url);
    const key = 'g01/M00/00/00/CgEBxVxREbmAUETXAAEqVyZGQRY768.jpg';
    const originA = countingOrigin(20_000);
    expect((await a.load(key, originA)).from).toBe('origin');
    await waitUntil(() => peekExists(`pic:file:${key}`), 'A wrote the value to Redis');
    expect((await peek.getBuffer(`pic:file:${key}`))?.equals(bytesFor(key, 20_000))).toBe(true);
    const ttl = await peek.ttl(`pic:file:${key}`);
    expect(ttl).toBeGreaterThan(TTL_SECONDS - 30);
    expect(ttl).toBeLessThanOrEqual(TTL_SECONDS);

    const originB = countingOrigin(20_000);
    const fromB = await b.load(key, originB);
    expect(fromB.from).toBe('redis');
    expect(fromB.entry.bytes.equals(bytesFor(key, 20_000))).toBe(true);
    expect(originB.calls).toEqual([]);
    expect((await b.load(key, originB)).from).toBe('memory'); // B's memory holds it now
    expect(b.stats()).toMatchObject({ hits: { memory: 1, redis: 1 }, originFetches: 0, redis: 'up' });
  });

  it('after memory evicts an entry, the next load finds it in Redis instead of origin', async () => {
    const { cache } = await upCache(redis.url, { maxBytes: 3 * (4096 + 1024), maxEntryBytes: 4096 });
    const origin = countingOrigin(4096);
    for (const key of ['a', 'b', 'c', 'd', 'e']) await cache.load(key, origin);
    expect(cache.peek('a')).toBeUndefined();
    await waitUntil(() => peekExists('pic:file:a'), 'a written to Redis');
    const again = await cache.load('a', origin);
    expect(again.from).toBe('redis');
    expect(again.entry.bytes.equals(bytesFor('a', 4096))).toBe(true);
    expect(origin.calls).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a value longer than redis.maxEntryBytes is not written to Redis', async () => {
    const { cache } = await upCache(redis.url, { redis: redisLevel(redis.url, { maxEntryBytes: 1000 }) });
    await cache.load('big', countingOrigin(1001));
    await cache.load('small', countingOrigin(1000));
    // The SETs go out in order on one connection: once small is there, big would be too.
    await waitUntil(() => peekExists('pic:file:small'), 'small written to Redis');
    expect(await peek.exists('pic:file:big')).toBe(0);
  });

  it('a purge on A clears A, Redis and the memory of B (by pub/sub)', async () => {
    const { cache: a } = await upCache(redis.url);
    const { cache: b } = await upCache(redis.url);
    const origin = countingOrigin(500);
    await a.load('gone', origin);
    await a.load('kept', origin);
    await waitUntil(
      async () => (await peekExists('pic:file:gone')) && (await peekExists('pic:file:kept')),
      'values in Redis',
    );
    expect((await b.load('gone', origin)).from).toBe('redis');
    expect((await b.load('kept', origin)).from).toBe('redis');

    expect(await a.purge(['gone'])).toEqual({ memory: 1, redis: 'ok', broadcast: 'ok' });
    expect(a.peek('gone')).toBeUndefined();
    expect(await peek.exists('pic:file:gone')).toBe(0);
    await waitUntil(() => b.peek('gone') === undefined, "B's memory purged");
    expect(b.peek('kept')).toBeDefined();
    expect(b.stats().purged).toBe(1);
    expect(await peek.exists('pic:file:kept')).toBe(1);
    expect((await b.load('gone', origin)).from).toBe('origin');
  });

  it('a purge message makes each receiver DEL the keys too (a value it wrote after the sender DEL goes as well)', async () => {
    const { cache } = await upCache(redis.url);
    // As if this instance had written z just after the sender's DEL: the receiver's DEL removes it.
    await peek.set('pic:file:z', 'stale');
    await peek.publish('pic:purge', JSON.stringify({ from: 'another-instance', keys: ['z'] }));
    await waitUntil(async () => !(await peekExists('pic:file:z')), 'z deleted by the receiver');
    expect(cache.stats().redis).toBe('up');
  });

  it('a purge while a load is under way keeps its bytes out of memory and out of Redis', async () => {
    const { cache } = await upCache(redis.url);
    let answer: (bytes: Buffer) => void = () => undefined;
    let called: () => void = () => undefined;
    const originCalled = new Promise<void>((resolve) => (called = resolve));
    const load = cache.load('k', () => {
      called();
      return new Promise<Buffer>((resolve) => (answer = resolve));
    });
    await originCalled;
    expect(await cache.purge(['k'])).toEqual({ memory: 0, redis: 'ok', broadcast: 'ok' });
    answer(bytesFor('k', 100));
    expect((await load).entry.bytes.equals(bytesFor('k', 100))).toBe(true);
    await cache.load('after', countingOrigin(100));
    await waitUntil(() => peekExists('pic:file:after'), 'a later load written to Redis');
    expect(await peek.exists('pic:file:k')).toBe(0);
    expect(cache.peek('k')).toBeUndefined();
  });

  it('an instance ignores its own purge messages and obeys the others', async () => {
    const { cache } = await upCache(redis.url);
    const origin = countingOrigin(10);
    await cache.load('x', origin);
    await cache.load('y', origin);
    await peek.publish('pic:purge', JSON.stringify({ from: cache.instanceId, keys: ['x'] }));
    await peek.publish('pic:purge', JSON.stringify({ from: 'another-instance', keys: ['y'] }));
    // Messages on one channel arrive in order: once y is gone, the message about x was handled.
    await waitUntil(() => cache.peek('y') === undefined, 'y purged');
    expect(cache.peek('x')).toBeDefined();
  });

  it('malformed purge messages are logged (rate-limited) and ignored; the channel keeps working', async () => {
    const { cache, logs } = await upCache(redis.url);
    const origin = countingOrigin(10);
    await cache.load('x', origin);
    await cache.load('y', origin);
    for (const message of [
      'purge x',
      '{"from":"b","keys":"x"}',
      JSON.stringify({ from: 'b', keys: Array(4097).fill('x') }),
      JSON.stringify({ from: 'b', keys: ['x', 42] }),
      '\u0000\u00ff',
    ]) {
      await peek.publish('pic:purge', message);
    }
    await peek.publish('pic:purge', JSON.stringify({ from: 'b', keys: ['y'] }));
    await waitUntil(() => cache.peek('y') === undefined, 'the well-formed purge after the bad ones');
    expect(cache.peek('x')).toBeDefined();
    const warned = logs.filter((line) => line.message === 'malformed purge message ignored');
    expect(warned).toHaveLength(1);
    expect(warned[0]?.fields).toMatchObject({ channel: 'pic:purge', why: 'not JSON' });
  });

  it('a purge reaches a cache with another key prefix and channel only on that channel', async () => {
    const other = redisLevel(redis.url, { keyPrefix: 'other:', channel: 'other:purge' });
    const { cache: a } = await upCache(redis.url, { redis: other });
    const { cache: b } = await upCache(redis.url);
    const origin = countingOrigin(10);
    await a.load('k', origin);
    await b.load('k', origin);
    await waitUntil(
      async () => (await peekExists('other:k')) && (await peekExists('pic:file:k')),
      'both values written',
    );
    expect(await a.purge(['k'])).toEqual({ memory: 1, redis: 'ok', broadcast: 'ok' });
    expect(await peek.exists('other:k')).toBe(0);
    expect(await peek.exists('pic:file:k')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.peek('k')).toBeDefined();
  });

  async function peekExists(key: string): Promise<boolean> {
    return (await peek.exists(key)) === 1;
  }
});
