/**
 * The memory level's byte bound: the sum of the entries' sizes (bytes + ENTRY_OVERHEAD_BYTES)
 * never exceeds maxBytes, the least recently used entry goes first, entries too large are never
 * held, and maxBytes 0 holds nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENTRY_OVERHEAD_BYTES, type PictureCache } from '@pic-storage/picture-cache';
import { bytesFor, closeTestCaches, countingOrigin, testCache, type TestEntry } from '../../helpers/picture-cache.js';

afterEach(closeTestCaches);

/** A small seeded PRNG (mulberry32): the same flood on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The sum of sizes of the keys memory holds, from the entries themselves; forgets the keys no longer held. */
function heldBytes(cache: PictureCache<TestEntry>, held: Set<string>): number {
  let sum = 0;
  for (const key of held) {
    const entry = cache.peek(key);
    if (entry === undefined) held.delete(key);
    else sum += entry.bytes.length + ENTRY_OVERHEAD_BYTES;
  }
  return sum;
}

describe('PictureCache memory bound', () => {
  it('a flood of 1500 distinct keys of random sizes never holds more than maxBytes; a key read often survives', async () => {
    const maxBytes = 256 * 1024;
    const { cache } = await testCache({ maxBytes, maxEntryBytes: 8 * 1024 });
    const next = random(42);
    const held = new Set<string>(['hot']);
    await cache.load('hot', async () => bytesFor('hot', 4096));
    let stored = 1;
    for (let i = 0; i < 1500; i++) {
      const key = `k${i}`;
      const size = Math.floor(next() * 8 * 1024); // 0 .. 8 KiB - 1
      const { entry, from } = await cache.load(key, async () => bytesFor(key, size));
      expect(from).toBe('origin');
      expect(entry.bytes.equals(bytesFor(key, size))).toBe(true);
      if (cache.peek(key) !== undefined) {
        stored++;
        held.add(key);
      }
      const sum = heldBytes(cache, held);
      const stats = cache.stats();
      expect(sum, `after ${key}`).toBeLessThanOrEqual(maxBytes);
      expect(stats.bytes).toBe(sum);
      expect(stats.evictions).toBe(stored - stats.entries);
      if (i % 10 === 0) expect(cache.get('hot'), `hot after ${key}`).toBeDefined();
    }
    const stats = cache.stats();
    expect(stored).toBe(1501); // every entry fit when it came
    expect(stats.evictions).toBeGreaterThan(1000); // ~55 entries of ~5 KiB fit in 256 KiB
    expect(cache.peek('hot')?.bytes.equals(bytesFor('hot', 4096))).toBe(true);
    expect(cache.peek('k0')).toBeUndefined();
  });

  it('evicts the least recently used: a get() moves a key to the front', async () => {
    const size = 1000;
    const { cache } = await testCache({ maxBytes: 4 * (size + ENTRY_OVERHEAD_BYTES), maxEntryBytes: size });
    const origin = countingOrigin(size);
    for (const key of ['a', 'b', 'c', 'd']) await cache.load(key, origin);
    expect(cache.stats()).toMatchObject({ entries: 4, evictions: 0, bytes: 4 * (size + ENTRY_OVERHEAD_BYTES) });
    expect(cache.get('a')?.bytes).toEqual(bytesFor('a', size));
    await cache.load('e', origin);
    expect(['a', 'b', 'c', 'd', 'e'].map((key) => cache.peek(key) !== undefined)).toEqual([
      true,
      false,
      true,
      true,
      true,
    ]);
    expect(cache.stats().evictions).toBe(1);
    // peek() does not count as a use: c, read only by peek, goes before d, read by load.
    cache.peek('c');
    expect((await cache.load('d', origin)).from).toBe('memory');
    await cache.load('f', origin);
    expect(cache.peek('c')).toBeUndefined();
    expect(cache.peek('d')).toBeDefined();
  });

  it('never holds an entry longer than maxEntryBytes, or one whose size would not fit in maxBytes', async () => {
    const { cache } = await testCache({ maxBytes: 10_000 + ENTRY_OVERHEAD_BYTES, maxEntryBytes: 20_000 });
    const fits = await cache.load('fits', async () => bytesFor('fits', 10_000));
    expect(fits.from).toBe('origin');
    expect(cache.peek('fits')).toBe(fits.entry);
    const tooBig = await cache.load('big', async () => bytesFor('big', 10_001)); // 10_001 + overhead > maxBytes
    expect(tooBig.entry.bytes.length).toBe(10_001);
    expect(cache.peek('big')).toBeUndefined();
    expect(cache.peek('fits')).toBe(fits.entry); // nothing was evicted for it
    expect(cache.stats()).toMatchObject({ entries: 1, evictions: 0 });

    const { cache: small } = await testCache({ maxBytes: 1024 * 1024, maxEntryBytes: 5_000 });
    await small.load('at-limit', async () => bytesFor('at-limit', 5_000));
    await small.load('over', async () => bytesFor('over', 5_001));
    expect(small.peek('at-limit')?.bytes.length).toBe(5_000);
    expect(small.peek('over')).toBeUndefined();
    const origin = countingOrigin(5_001);
    expect((await small.load('over', origin)).from).toBe('origin'); // not held, so origin again
    expect(origin.calls).toEqual(['over']);
  });

  it('maxBytes 0 turns memory off: loads still work, still one origin call for concurrent loads', async () => {
    const { cache } = await testCache({ maxBytes: 0 });
    const origin = countingOrigin(100, 20);
    const results = await Promise.all([cache.load('k', origin), cache.load('k', origin), cache.load('k', origin)]);
    expect(results.map((r) => r.from)).toEqual(['origin', 'origin', 'origin']);
    expect(origin.calls).toEqual(['k']);
    expect(cache.get('k')).toBeUndefined();
    await cache.load('k', origin);
    expect(origin.calls).toEqual(['k', 'k']);
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0, maxBytes: 0, coalesced: 2, misses: 4 });
  });

  it('get() counts memory hits and only hits; stats count misses and origin fetches per load', async () => {
    const { cache } = await testCache();
    const origin = countingOrigin(10);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.stats().hits.memory).toBe(0);
    await cache.load('k', origin);
    expect(cache.get('k')?.bytes).toEqual(bytesFor('k', 10));
    expect((await cache.load('k', origin)).from).toBe('memory');
    expect(cache.stats()).toMatchObject({ hits: { memory: 2, redis: 0 }, misses: 1, originFetches: 1, redis: 'off' });
  });
});
