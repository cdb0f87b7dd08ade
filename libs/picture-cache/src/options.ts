/** One log line per event: pino, or anything with its info and warn. */
export interface PictureCacheLogger {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
}

/** The shared second level, and the channel purges go through to the other instances. */
export interface RedisTierOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://...`; the cache opens its own two connections. */
  url: string;
  /** Seconds a value lives in Redis (SET EX). */
  ttlSeconds: number;
  /** Larger values are not written to Redis. */
  maxEntryBytes: number;
  /** Default 'pic:file:': a value is at `<keyPrefix><key>`. */
  keyPrefix?: string;
  /** Default 'pic:purge': the pub/sub channel of purges. */
  channel?: string;
  /** Default 500: a command not answered in this long fails (a load goes on to origin), never waited on. */
  commandTimeoutMs?: number;
  /** Default 2000: a TCP connect to Redis not done in this long fails (and is retried in the background). */
  connectTimeoutMs?: number;
}

export interface PictureCacheOptions<E> {
  /** Memory budget in bytes: the sum of sizeOf(entry) never exceeds it (0 = memory tier off). */
  maxBytes: number;
  /** Entries larger than this are never held in memory (the caller streams those; see `load`). */
  maxEntryBytes: number;
  /** Builds what the memory tier holds from a key's bytes (the front precomputes its response headers here). */
  entryOf(key: string, bytes: Buffer): E;
  /** The bytes of an entry (for Redis writes and sizes). */
  bytesOf(entry: E): Buffer;
  /** Optional Redis second level shared by every front instance; purge broadcast goes through it too. */
  redis?: RedisTierOptions;
  logger: PictureCacheLogger;
}

export const PICTURE_CACHE_DEFAULTS = Object.freeze({
  keyPrefix: 'pic:file:',
  channel: 'pic:purge',
  commandTimeoutMs: 500,
  connectTimeoutMs: 2_000,
});

export type ResolvedRedisTierOptions = Readonly<Required<RedisTierOptions>>;

export interface ResolvedPictureCacheOptions<E> {
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly entryOf: (key: string, bytes: Buffer) => E;
  readonly bytesOf: (entry: E) => Buffer;
  readonly redis: ResolvedRedisTierOptions | undefined;
  readonly logger: PictureCacheLogger;
}

/** Validates once, with messages that name the bad option, and freezes the result. */
export function resolvePictureCacheOptions<E>(options: PictureCacheOptions<E>): ResolvedPictureCacheOptions<E> {
  if (typeof options !== 'object' || options === null) throw new TypeError('PictureCache options must be an object');
  for (const name of ['entryOf', 'bytesOf'] as const) {
    if (typeof options[name] !== 'function') throw new TypeError(`${name} must be a function`);
  }
  const { logger } = options;
  if (typeof logger?.info !== 'function' || typeof logger.warn !== 'function') {
    throw new TypeError('logger must have info and warn methods (pino does)');
  }
  return Object.freeze({
    maxBytes: integer('maxBytes', options.maxBytes, 0),
    maxEntryBytes: integer('maxEntryBytes', options.maxEntryBytes, 0),
    entryOf: options.entryOf,
    bytesOf: options.bytesOf,
    redis: options.redis === undefined ? undefined : resolveRedis(options.redis),
    logger,
  });
}

function resolveRedis(redis: RedisTierOptions): ResolvedRedisTierOptions {
  if (typeof redis !== 'object' || redis === null) throw new TypeError('redis must be an object or undefined');
  const d = PICTURE_CACHE_DEFAULTS;
  return Object.freeze({
    url: redisUrl(redis.url),
    ttlSeconds: integer('redis.ttlSeconds', redis.ttlSeconds, 1),
    maxEntryBytes: integer('redis.maxEntryBytes', redis.maxEntryBytes, 0),
    keyPrefix: text('redis.keyPrefix', redis.keyPrefix ?? d.keyPrefix, 0),
    channel: text('redis.channel', redis.channel ?? d.channel, 1),
    commandTimeoutMs: integer('redis.commandTimeoutMs', redis.commandTimeoutMs ?? d.commandTimeoutMs, 1),
    connectTimeoutMs: integer('redis.connectTimeoutMs', redis.connectTimeoutMs ?? d.connectTimeoutMs, 1),
  });
}

function integer(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

function text(name: string, value: unknown, minLength: number): string {
  if (typeof value !== 'string' || value.length < minLength) {
    throw new TypeError(`${name} must be a string of at least ${minLength} characters, got ${String(value)}`);
  }
  return value;
}

function redisUrl(value: unknown): string {
  if (typeof value === 'string') {
    try {
      const { protocol } = new URL(value);
      if (protocol === 'redis:' || protocol === 'rediss:') return value;
    } catch {
      // reported below
    }
  }
  throw new TypeError(
    `redis.url must be a redis:// or rediss:// URL, got ${typeof value === 'string' ? 'a bad one' : typeof value}`,
  );
}
