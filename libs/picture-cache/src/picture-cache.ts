import { randomUUID } from 'node:crypto';
import { MemoryTier } from './memory-tier.js';
import { resolvePictureCacheOptions, type PictureCacheOptions, type ResolvedPictureCacheOptions } from './options.js';
import { ownedBytes } from './owned-bytes.js';
import { MAX_PURGE_KEY_LENGTH } from './purge-message.js';
import { RedisTier, type RedisOutcome } from './redis-tier.js';

export type LoadSource = 'memory' | 'redis' | 'origin';

export interface LoadResult<E> {
  entry: E;
  from: LoadSource;
}

export interface PurgeResult {
  /** Entries removed from this instance's memory. */
  memory: number;
  /** DEL in Redis: 'down' when it failed or timed out, 'off' without Redis. */
  redis: RedisOutcome | 'off';
  /** PUBLISH to the other instances. */
  broadcast: RedisOutcome | 'off';
}

/** Counters only grow (Prometheus counters); entries, bytes and redis are the present state. */
export interface CacheStats {
  /** Loads (and get() calls) answered from memory; loads answered from Redis. */
  hits: { memory: number; redis: number };
  /** Loads that neither level answered (they waited for origin, as the leader of a flight or in one). */
  misses: number;
  /** Origin calls: one per flight that found nothing in Redis, however many loads waited for it. */
  originFetches: number;
  /** Origin calls that threw. */
  originErrors: number;
  /** Loads that joined a flight already under way instead of starting one. */
  coalesced: number;
  /** Entries removed from memory by purges, this instance's and the others'. */
  purged: number;
  /** Entries dropped from memory to make room (least recently used first). */
  evictions: number;
  entries: number;
  /** Sum of the entries' sizes (bytes + ENTRY_OVERHEAD_BYTES each). */
  bytes: number;
  maxBytes: number;
  redis: 'off' | 'up' | 'down';
  /** Redis commands that failed or timed out. */
  redisErrors: number;
}

/** A load under way: every concurrent load of the key shares it. */
interface Flight<E> {
  promise: Promise<LoadResult<E>>;
  /** The key was purged meanwhile: what the flight gets is handed to its waiters, never stored. */
  purged: boolean;
}

/**
 * The front's picture cache: memory (an LRU bounded in bytes), then Redis (shared by every
 * instance), then origin, with one origin call per key however many wait. File ids are
 * immutable, so nothing expires by time in memory: entries leave by eviction or purge.
 */
export class PictureCache<E extends object> {
  /** Names this instance in purge messages, so that it ignores its own. */
  readonly instanceId = randomUUID();
  private readonly options: ResolvedPictureCacheOptions<E>;
  private readonly memory: MemoryTier<E>;
  private readonly redis: RedisTier | undefined;
  private readonly flights = new Map<string, Flight<E>>();
  private readonly counts = {
    memoryHits: 0,
    redisHits: 0,
    misses: 0,
    originFetches: 0,
    originErrors: 0,
    coalesced: 0,
    purged: 0,
  };
  private closed = false;

  constructor(options: PictureCacheOptions<E>) {
    this.options = resolvePictureCacheOptions(options);
    const { maxBytes, maxEntryBytes, bytesOf, redis, logger } = this.options;
    this.memory = new MemoryTier<E>({ maxBytes, maxEntryBytes, bytesOf });
    if (redis !== undefined) {
      this.redis = new RedisTier(
        redis,
        this.instanceId,
        { onPurge: (keys) => this.forget(keys), onSubscribed: () => this.subscribed() },
        logger,
      );
    }
  }

  /** Connects and subscribes; an unreachable Redis is logged, not fatal (state 'down', retried). */
  async start(): Promise<void> {
    await this.redis?.start();
  }

  /** Memory hit, synchronous (the hot path takes no promise); marks it recently used; counts a memory hit. */
  get(key: string): E | undefined {
    const entry = this.memory.get(key);
    if (entry !== undefined) this.counts.memoryHits++;
    return entry;
  }

  /** The memory entry without marking it used or counting anything (status pages, tests). */
  peek(key: string): E | undefined {
    return this.memory.peek(key);
  }

  /**
   * Memory, then Redis, then origin: ONE origin call per key however many callers wait (they
   * share the promise). Origin bytes go to memory (when they fit) and to Redis (fire and forget,
   * at most redis.maxEntryBytes). An origin error reaches every waiter and stores nothing; the
   * next load calls origin again. Bytes loaded while their key was purged reach the waiters but
   * are not stored.
   */
  load(key: string, origin: (key: string) => Promise<Buffer>): Promise<LoadResult<E>> {
    const entry = this.memory.get(key);
    if (entry !== undefined) {
      this.counts.memoryHits++;
      return Promise.resolve({ entry, from: 'memory' });
    }
    let flight = this.flights.get(key);
    if (flight === undefined) flight = this.startFlight(key, origin);
    else this.counts.coalesced++;
    return flight.promise.then(
      (result) => {
        if (result.from === 'redis') this.counts.redisHits++;
        else this.counts.misses++;
        return result;
      },
      (err: unknown) => {
        this.counts.misses++;
        throw err;
      },
    );
  }

  /** Removes keys here, in Redis (DEL) and on every other instance (PUBLISH {from, keys}). */
  async purge(keys: readonly string[]): Promise<PurgeResult> {
    checkKeys(keys);
    const memory = this.forget(keys);
    if (this.redis === undefined || keys.length === 0) {
      const off = this.redis === undefined ? 'off' : 'ok';
      return { memory, redis: off, broadcast: off };
    }
    const [redis, broadcast] = await Promise.all([this.redis.del(keys), this.redis.publish(keys)]);
    return { memory, redis, broadcast };
  }

  stats(): CacheStats {
    const c = this.counts;
    return {
      hits: { memory: c.memoryHits, redis: c.redisHits },
      misses: c.misses,
      originFetches: c.originFetches,
      originErrors: c.originErrors,
      coalesced: c.coalesced,
      purged: c.purged,
      evictions: this.memory.evictions,
      entries: this.memory.entries,
      bytes: this.memory.bytes,
      maxBytes: this.options.maxBytes,
      redis: this.redis?.state ?? 'off',
      redisErrors: this.redis?.errors ?? 0,
    };
  }

  /** Drops what memory holds and closes the Redis connections; loads under way finish, storing nothing. */
  async close(): Promise<void> {
    this.closed = true;
    this.memory.clear();
    await this.redis?.close();
  }

  private startFlight(key: string, origin: (key: string) => Promise<Buffer>): Flight<E> {
    // In the map before fill() runs: fill() removes it when it ends, even if that is at once.
    const flight = { purged: false } as Flight<E>;
    this.flights.set(key, flight);
    flight.promise = this.fill(key, origin, flight);
    return flight;
  }

  private async fill(key: string, origin: (key: string) => Promise<Buffer>, flight: Flight<E>): Promise<LoadResult<E>> {
    try {
      const cached = await this.redis?.get(key);
      if (cached !== undefined) {
        const entry = this.entryOf(key, cached);
        if (!flight.purged && !this.closed) this.memory.set(key, entry);
        return { entry, from: 'redis' };
      }
      this.counts.originFetches++;
      let bytes: Buffer;
      try {
        bytes = await origin(key);
        if (!Buffer.isBuffer(bytes)) throw new TypeError(`origin of ${key} gave ${typeof bytes}, not a Buffer`);
      } catch (err) {
        this.counts.originErrors++;
        throw err;
      }
      const entry = this.entryOf(key, bytes);
      if (!flight.purged && !this.closed) {
        this.memory.set(key, entry);
        this.redis?.set(key, this.options.bytesOf(entry));
      }
      return { entry, from: 'origin' };
    } finally {
      // Synchronously after the memory write: no load can find neither the flight nor the entry.
      if (this.flights.get(key) === flight) this.flights.delete(key);
    }
  }

  /** The entry of bytes; bytes memory may hold are first made to own their memory. */
  private entryOf(key: string, bytes: Buffer): E {
    return this.options.entryOf(key, this.memory.accepts(bytes.length) ? ownedBytes(bytes) : bytes);
  }

  /** Removes the keys from memory and marks their flights; the number of entries removed. */
  private forget(keys: readonly string[]): number {
    let removed = 0;
    for (const key of keys) {
      const flight = this.flights.get(key);
      if (flight !== undefined) flight.purged = true;
      if (this.memory.delete(key)) removed++;
    }
    this.counts.purged += removed;
    return removed;
  }

  /**
   * The purge channel is subscribed again after a loss: the purges sent meanwhile were missed,
   * so nothing held now can be trusted. Memory is cleared (Redis was purged by the senders).
   */
  private subscribed(): void {
    for (const flight of this.flights.values()) flight.purged = true;
    const entries = this.memory.entries;
    if (entries === 0) return;
    this.memory.clear();
    this.options.logger.warn(
      { entries },
      'purge channel subscribed again: memory cleared, as purges sent while it was down were missed',
    );
  }
}

/** Bad keys change nothing: checked before any is purged. */
function checkKeys(keys: readonly string[]): void {
  if (!Array.isArray(keys)) throw new TypeError('purge keys must be an array of strings');
  for (const key of keys as unknown[]) {
    if (typeof key !== 'string' || key === '' || key.length > MAX_PURGE_KEY_LENGTH) {
      throw new TypeError(`a purge key must be a string of 1 to ${MAX_PURGE_KEY_LENGTH} characters`);
    }
  }
}
