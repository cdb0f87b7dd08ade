/** The front tier's picture cache: memory bounded in bytes, Redis shared, one origin fetch per key. */
export { PictureCache, type CacheStats, type LoadResult, type LoadSource, type PurgeResult } from './picture-cache.js';
export {
  PICTURE_CACHE_DEFAULTS,
  type PictureCacheLogger,
  type PictureCacheOptions,
  type RedisTierOptions,
} from './options.js';
export { ENTRY_OVERHEAD_BYTES } from './memory-tier.js';
export { REDIS_SKIP_AFTER_FAILURE_MS } from './redis-tier.js';
export {
  decodePurgeMessage,
  encodePurgeMessages,
  MAX_PURGE_KEY_LENGTH,
  MAX_PURGE_KEYS,
  type PurgeMessage,
} from './purge-message.js';
