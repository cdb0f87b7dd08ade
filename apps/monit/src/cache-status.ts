/**
 * The front's `GET /status` body, as far as `monit cache` reads it (docs/services/front.md):
 *
 *   { "service": "front", "version": "0.1.0", "uptime_s": 123,
 *     "cache": { "hits", "hits_memory", "hits_redis", "misses", "hit_ratio" (null: no request yet),
 *                "coalesced", "origin_fetches", "entries", "bytes", "max_bytes", "evictions", "purged",
 *                "redis": "off" | "up" | "down" },
 *     "fastdfs": { "state": "up" | "down" | "degraded" | "unknown" (not listed yet), "checked_at": ISO | null,
 *                  "clusters": [ { "hostid", "state", "trackers": [ { "address", "state" } ],
 *                                  "groups": [ { "name", "storages": [ { "id", "address", "status" } ] } ],
 *                                  "error"?: why the cluster could not be listed } ] } }
 *
 * Counts are since the front started. The fields the check judges or prints are required; the
 * other counters are optional, so that a front adding or dropping one does not fail the check.
 */

export type RedisState = 'off' | 'up' | 'down';
export type FastdfsStateName = 'up' | 'down' | 'degraded' | 'unknown';

export interface CacheCounters {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
  max_bytes: number;
  redis: RedisState;
  hits_memory?: number;
  hits_redis?: number;
  coalesced?: number;
  origin_fetches?: number;
  evictions?: number;
  purged?: number;
}

export interface ClusterStatus {
  hostid: number;
  state: FastdfsStateName;
  trackers: { address: string; state: string }[];
  groups: { name: string; storages: { address: string; status: string }[] }[];
  error?: string;
}

export interface FrontStatus {
  version?: string;
  uptime_s?: number;
  cache: CacheCounters;
  fastdfs: { state: FastdfsStateName; checked_at: string | null; clusters: ClusterStatus[] };
}

/** The body is JSON but not the front's status: the message names the field, e.g. `cache.hits is not a count`. */
export class StatusShapeError extends Error {
  override readonly name = 'StatusShapeError';
}

const OPTIONAL_COUNTERS = ['hits_memory', 'hits_redis', 'coalesced', 'origin_fetches', 'evictions', 'purged'] as const;
const REDIS_STATES: readonly RedisState[] = ['off', 'up', 'down'];
const FASTDFS_STATES: readonly FastdfsStateName[] = ['up', 'down', 'degraded', 'unknown'];

export function parseFrontStatus(body: unknown): FrontStatus {
  const root = object(body, 'the body');
  // Another service's /status (or a proxy's page) is not the front's.
  if (root.service !== 'front') {
    const what = root.service === undefined ? 'missing' : JSON.stringify(root.service);
    throw new StatusShapeError(`service is ${what}, not "front"`);
  }
  const cache = object(root.cache, 'cache');
  const counters: CacheCounters = {
    hits: count(cache.hits, 'cache.hits'),
    misses: count(cache.misses, 'cache.misses'),
    entries: count(cache.entries, 'cache.entries'),
    bytes: count(cache.bytes, 'cache.bytes'),
    max_bytes: count(cache.max_bytes, 'cache.max_bytes'),
    redis: oneOf(cache.redis, REDIS_STATES, 'cache.redis'),
  };
  for (const key of OPTIONAL_COUNTERS) {
    if (cache[key] !== undefined) counters[key] = count(cache[key], `cache.${key}`);
  }
  const fastdfs = object(root.fastdfs, 'fastdfs');
  const status: FrontStatus = {
    cache: counters,
    fastdfs: {
      state: oneOf(fastdfs.state, FASTDFS_STATES, 'fastdfs.state'),
      checked_at: fastdfs.checked_at === undefined ? null : nullableString(fastdfs.checked_at, 'fastdfs.checked_at'),
      clusters: array(fastdfs.clusters, 'fastdfs.clusters').map((c, i) => cluster(c, `fastdfs.clusters[${i}]`)),
    },
  };
  if (root.version !== undefined) status.version = string(root.version, 'version');
  if (root.uptime_s !== undefined) status.uptime_s = count(root.uptime_s, 'uptime_s');
  return status;
}

function cluster(value: unknown, where: string): ClusterStatus {
  const c = object(value, where);
  const parsed: ClusterStatus = {
    hostid: count(c.hostid, `${where}.hostid`),
    state: oneOf(c.state, FASTDFS_STATES, `${where}.state`),
    trackers: optionalArray(c.trackers, `${where}.trackers`).map((t, i) => {
      const tracker = object(t, `${where}.trackers[${i}]`);
      return {
        address: string(tracker.address, `${where}.trackers[${i}].address`),
        state: string(tracker.state, `${where}.trackers[${i}].state`),
      };
    }),
    groups: optionalArray(c.groups, `${where}.groups`).map((g, i) => {
      const group = object(g, `${where}.groups[${i}]`);
      return {
        name: string(group.name, `${where}.groups[${i}].name`),
        storages: optionalArray(group.storages, `${where}.groups[${i}].storages`).map((s, j) => {
          const storage = object(s, `${where}.groups[${i}].storages[${j}]`);
          return {
            address: string(storage.address, `${where}.groups[${i}].storages[${j}].address`),
            status: string(storage.status, `${where}.groups[${i}].storages[${j}].status`),
          };
        }),
      };
    }),
  };
  if (c.error !== undefined) parsed.error = string(c.error, `${where}.error`);
  return parsed;
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StatusShapeError(`${where} is ${value === undefined ? 'missing' : 'not an object'}`);
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value))
    throw new StatusShapeError(`${where} is ${value === undefined ? 'missing' : 'not a list'}`);
  return value;
}

function optionalArray(value: unknown, where: string): unknown[] {
  return value === undefined ? [] : array(value, where);
}

function count(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StatusShapeError(`${where} is ${value === undefined ? 'missing' : 'not a count'}`);
  }
  return value;
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string')
    throw new StatusShapeError(`${where} is ${value === undefined ? 'missing' : 'not text'}`);
  return value;
}

function nullableString(value: unknown, where: string): string | null {
  return value === null ? null : string(value, where);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (!allowed.includes(value as T)) {
    const what = value === undefined ? 'missing' : JSON.stringify(value);
    throw new StatusShapeError(`${where} is ${what}, not ${allowed.map((a) => `"${a}"`).join(' | ')}`);
  }
  return value as T;
}
