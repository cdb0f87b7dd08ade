/**
 * What memory holds owns its memory: a small view of a large ArrayBuffer is copied before it is
 * held, so that the byte bound counts what is really kept alive.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeTestCaches, testCache } from '../../helpers/picture-cache.js';

afterEach(closeTestCaches);

describe('PictureCache held bytes', () => {
  it('copies a 1000-byte view of a 64 KiB buffer into a buffer of its own before holding it', async () => {
    const { cache } = await testCache();
    const socketChunk = Buffer.alloc(64 * 1024, 7);
    const view = socketChunk.subarray(100, 1100);
    const { entry } = await cache.load('k', async () => view);
    expect(entry.bytes).not.toBe(view);
    expect(entry.bytes.buffer).not.toBe(socketChunk.buffer);
    expect(entry.bytes.buffer.byteLength).toBe(1000);
    expect(entry.bytes.equals(view)).toBe(true);
    socketChunk.fill(0); // the socket's buffer is reused: what is held does not change
    expect(cache.peek('k')?.bytes.every((byte) => byte === 7)).toBe(true);
  });

  it("copies a small Buffer taken from Node's shared pool (its ArrayBuffer is 8 KiB)", async () => {
    const { cache } = await testCache();
    const pooled = Buffer.from('tiny gif');
    expect(pooled.buffer.byteLength).toBeGreaterThan(2 * pooled.length); // the premise of this test
    const { entry } = await cache.load('k', async () => pooled);
    expect(entry.bytes.buffer.byteLength).toBe(pooled.length);
    expect(entry.bytes.toString()).toBe('tiny gif');
  });

  it('holds a buffer that owns its memory (or most of it) as it is, without a copy', async () => {
    const { cache } = await testCache();
    const own = Buffer.allocUnsafeSlow(5000).fill(1);
    expect((await cache.load('own', async () => own)).entry.bytes).toBe(own);
    const half = Buffer.allocUnsafeSlow(2000).fill(2).subarray(0, 1000); // exactly 2 × its length
    expect((await cache.load('half', async () => half)).entry.bytes).toBe(half);
  });

  it('does not copy what memory will not hold (the caller streams it)', async () => {
    const { cache } = await testCache({ maxEntryBytes: 1000 });
    const big = Buffer.alloc(64 * 1024).subarray(0, 2000);
    const { entry } = await cache.load('big', async () => big);
    expect(entry.bytes).toBe(big);
    expect(cache.peek('big')).toBeUndefined();
  });
});
