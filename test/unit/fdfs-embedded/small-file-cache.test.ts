import { describe, expect, it } from 'vitest';
import { ENTRY_OVERHEAD, SmallFileCache } from '../../../libs/fdfs-embedded/src/small-file-cache.js';

/** A stat of a file of `size` bytes; `changed` moves its ctime (a write, a truncate, a rename). */
const stamp = (size: number, changed = 0) => ({ dev: 1, ino: 42, size, mtimeMs: 1000.5, ctimeMs: 2000.25 + changed });
/** A reply framing `size` content bytes after a 10-byte head. */
const framed = (size: number, fill = 1) => Buffer.alloc(10 + size, fill);

describe('SmallFileCache', () => {
  it('serves an entry while the stat matches, the same buffer every time, and drops it when it does not', () => {
    const cache = new SmallFileCache(1 << 20, 1000, 100);
    const reply = framed(100);
    cache.put('/a', stamp(100), reply, 10, cache.generation);
    expect(cache.has('/a')).toBe(true);
    expect(cache.get('/a', stamp(100))).toMatchObject({ framed: reply, headLength: 10 });
    expect(cache.get('/a', stamp(100))?.framed).toBe(reply);
    for (const other of [{ ...stamp(100), ino: 43 }, { ...stamp(100), dev: 2 }, stamp(101), stamp(100, 1)]) {
      const again = new SmallFileCache(1 << 20, 1000, 100);
      again.put('/a', stamp(100), reply, 10, again.generation);
      expect(again.get('/a', other)).toBeUndefined();
      expect(again.has('/a')).toBe(false);
      expect(again.usage).toEqual({ entries: 0, bytes: 0 });
    }
    const mtime = new SmallFileCache(1 << 20, 1000, 100);
    mtime.put('/a', stamp(100), reply, 10, mtime.generation);
    expect(mtime.get('/a', { ...stamp(100), mtimeMs: 1000.75 })).toBeUndefined();
  });

  it('serves an entry without a stat for recheckMs after the last stat that showed it unchanged', () => {
    let now = 1000;
    const cache = new SmallFileCache(1 << 20, 1000, 100, () => now);
    const reply = framed(100);
    cache.put('/a', stamp(100), reply, 10, cache.generation);
    expect(cache.recent('/a')).toMatchObject({ framed: reply, headLength: 10, size: 100 });
    now = 1099;
    expect(cache.recent('/a')?.framed).toBe(reply);
    now = 1100;
    expect(cache.recent('/a')).toBeUndefined(); // a stat is due
    expect(cache.has('/a')).toBe(true);
    expect(cache.get('/a', stamp(100))?.framed).toBe(reply);
    now = 1199;
    expect(cache.recent('/a')?.framed).toBe(reply); // counted from that stat
    now = 1200;
    expect(cache.get('/a', stamp(100, 1))).toBeUndefined();
    expect(cache.recent('/a')).toBeUndefined();
    const always = new SmallFileCache(1 << 20, 1000, 0, () => now);
    always.put('/a', stamp(100), reply, 10, always.generation);
    expect(always.recent('/a')).toBeUndefined();
    expect(always.get('/a', stamp(100))?.framed).toBe(reply);
  });

  it('refuses content read before an invalidation: a download racing a change cannot put stale bytes back', () => {
    const cache = new SmallFileCache(1 << 20, 1000, 100);
    const before = cache.generation;
    cache.invalidate('/elsewhere'); // any change counts: the check is cheap, a refused put costs one read
    cache.put('/a', stamp(5), framed(5), 10, before);
    expect(cache.has('/a')).toBe(false);
    cache.put('/a', stamp(5), framed(5), 10, cache.generation);
    expect(cache.has('/a')).toBe(true);
    cache.invalidate('/a');
    expect(cache.has('/a')).toBe(false);
    expect(cache.usage).toEqual({ entries: 0, bytes: 0 });
  });

  it('keeps at most maxBytes, evicting the least recently used; files over maxFileBytes are not kept', () => {
    const entry = 100 + 10 + ENTRY_OVERHEAD;
    const cache = new SmallFileCache(3 * entry, 100, 100);
    for (const path of ['/a', '/b', '/c']) cache.put(path, stamp(100), framed(100), 10, cache.generation);
    expect(cache.usage).toEqual({ entries: 3, bytes: 3 * entry });
    cache.recent('/a'); // now the most recently used: /b goes first
    cache.put('/d', stamp(100), framed(100), 10, cache.generation);
    expect(['/a', '/b', '/c', '/d'].map((p) => cache.has(p))).toEqual([true, false, true, true]);
    expect(cache.usage).toEqual({ entries: 3, bytes: 3 * entry });
    cache.put('/big', stamp(101), framed(101), 10, cache.generation);
    expect(cache.has('/big')).toBe(false);
    // Putting a path again replaces its entry, charged once.
    cache.put('/a', stamp(50, 1), framed(50), 10, cache.generation);
    expect(cache.usage).toEqual({ entries: 3, bytes: 2 * entry + 50 + 10 + ENTRY_OVERHEAD });
    // Empty files are charged their overhead: the count of entries is bounded too.
    const tiny = new SmallFileCache(2 * (10 + ENTRY_OVERHEAD), 100, 100);
    for (let i = 0; i < 10; i++) tiny.put(`/${i}`, stamp(0), framed(0), 10, tiny.generation);
    expect(tiny.usage.entries).toBe(2);
  });

  it('holds nothing with maxBytes 0', () => {
    const cache = new SmallFileCache(0, 100, 100);
    cache.put('/a', stamp(0), framed(0), 10, cache.generation);
    expect(cache.usage).toEqual({ entries: 0, bytes: 0 });
  });

  it('forgets a path without refusing the puts of reads in flight', () => {
    const cache = new SmallFileCache(1 << 20, 1000, 100);
    const before = cache.generation;
    cache.put('/a', stamp(5), framed(5), 10, before);
    cache.forget('/a');
    expect(cache.has('/a')).toBe(false);
    cache.put('/b', stamp(5), framed(5), 10, before);
    expect(cache.has('/b')).toBe(true);
  });
});
