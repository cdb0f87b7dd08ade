/** Options are checked once, at construction, with a message naming the bad one. */
import { describe, expect, it } from 'vitest';
import { PICTURE_CACHE_DEFAULTS, PictureCache, type PictureCacheOptions } from '@pic-storage/picture-cache';

const logger = { info: () => undefined, warn: () => undefined };
const base: PictureCacheOptions<{ bytes: Buffer }> = {
  maxBytes: 1024,
  maxEntryBytes: 512,
  entryOf: (_key, bytes) => ({ bytes }),
  bytesOf: (entry) => entry.bytes,
  logger,
};
const redis = { url: 'redis://127.0.0.1:1', ttlSeconds: 60, maxEntryBytes: 1024 };

describe('PictureCache options', () => {
  it('has the documented defaults', () => {
    expect(PICTURE_CACHE_DEFAULTS).toEqual({
      keyPrefix: 'pic:file:',
      channel: 'pic:purge',
      commandTimeoutMs: 500,
      connectTimeoutMs: 2_000,
    });
    expect(Object.isFrozen(PICTURE_CACHE_DEFAULTS)).toBe(true);
  });

  it.each([
    ['maxBytes', { maxBytes: -1 }, /maxBytes must be an integer ≥ 0, got -1/],
    ['maxBytes', { maxBytes: 1.5 }, /maxBytes/],
    ['maxEntryBytes', { maxEntryBytes: Number.NaN }, /maxEntryBytes/],
    ['entryOf', { entryOf: undefined }, /entryOf must be a function/],
    ['bytesOf', { bytesOf: 'bytes' }, /bytesOf must be a function/],
    ['logger', { logger: {} }, /logger must have info and warn/],
    ['redis.url', { redis: { ...redis, url: 'http://127.0.0.1:6379' } }, /redis.url must be a redis:\/\//],
    ['redis.url', { redis: { ...redis, url: 'not a url' } }, /redis.url/],
    ['redis.ttlSeconds', { redis: { ...redis, ttlSeconds: 0 } }, /redis.ttlSeconds must be an integer ≥ 1/],
    ['redis.maxEntryBytes', { redis: { ...redis, maxEntryBytes: -5 } }, /redis.maxEntryBytes/],
    ['redis.channel', { redis: { ...redis, channel: '' } }, /redis.channel/],
    ['redis.commandTimeoutMs', { redis: { ...redis, commandTimeoutMs: 0 } }, /redis.commandTimeoutMs/],
  ])('refuses a bad %s', (_, bad, message) => {
    expect(() => new PictureCache({ ...base, ...(bad as object) })).toThrow(message);
  });

  it('starts with nothing held and Redis off', () => {
    const cache = new PictureCache(base);
    expect(cache.stats()).toEqual({
      hits: { memory: 0, redis: 0 },
      misses: 0,
      originFetches: 0,
      originErrors: 0,
      coalesced: 0,
      purged: 0,
      evictions: 0,
      entries: 0,
      bytes: 0,
      maxBytes: 1024,
      redis: 'off',
      redisErrors: 0,
    });
  });
});
