import { integerOption } from 'fastdfs-conf';
import { describeValue, toAddress } from './arguments.js';
import { ConfigError } from './errors.js';
import type { PoolOptions } from './net/pool.js';
import type { Address } from 'fastdfs-protocol';

export interface FdfsClientOptions {
  /** Tracker addresses, `host:port` strings or objects. Required, at least one. */
  trackers: Array<string | Address>;
  /** Milliseconds to open a TCP connection. Default 5000 (client.conf connect_timeout, seconds). */
  connectTimeout?: number;
  /** Milliseconds of silence allowed during a request. Default 30000 (client.conf network_timeout). */
  networkTimeout?: number;
  /** Per-server connection pool; every tracker and storage address gets its own. */
  pool?: Partial<PoolOptions>;
  /** Milliseconds a tracker that failed is skipped before it is tried again. Default 10000. */
  trackerRetryInterval?: number;
  /** Largest reply body read into memory for non-download commands. Default 16 MiB. */
  maxResponseBody?: number;
  /**
   * Reads (download, downloadStream, queryFileInfo, fileInfo) go straight to a storage picked from
   * the group's cached storage list, by the tracker's own rule, instead of asking the tracker
   * (QUERY_FETCH_ONE) first: one round trip instead of two. Default true; false asks the tracker
   * for every read, as FastDFS's C client does. See the README, "Reads without a tracker query".
   */
  directReads?: boolean;
  /** Milliseconds a group's storage list (tracker LIST_STORAGE) is used for direct reads. Default 10000. */
  storageListTtl?: number;
  /**
   * Milliseconds after its creation a file is taken to be on every active storage of its group:
   * the tracker's storage_sync_file_max_delay (tracker.conf, seconds; default 86400 s). Younger
   * files are read from the storage that wrote them. Default 86400000.
   */
  storageSyncFileMaxDelay?: number;
}

export interface ResolvedClientOptions {
  trackers: Address[];
  connectTimeout: number;
  networkTimeout: number;
  pool: PoolOptions;
  trackerRetryInterval: number;
  maxResponseBody: number;
  directReads: boolean;
  storageListTtl: number;
  storageSyncFileMaxDelay: number;
}

export const DEFAULTS = Object.freeze({
  connectTimeout: 5_000,
  networkTimeout: 30_000,
  pool: Object.freeze({ maxSize: 10, acquireTimeout: 10_000, maxWaiting: 10_000, idleTimeout: 60_000 }),
  trackerRetryInterval: 10_000,
  maxResponseBody: 16 * 1024 * 1024,
  directReads: true,
  storageListTtl: 10_000,
  storageSyncFileMaxDelay: 86_400_000,
});

/** Validates once, with messages that name the bad option, and freezes the result. */
export function resolveClientOptions(options: FdfsClientOptions): Readonly<ResolvedClientOptions> {
  if (!isObject(options)) throw new ConfigError(`options must be an object, got ${describeValue(options)}`);
  if (!Array.isArray(options.trackers) || options.trackers.length === 0) {
    throw new ConfigError('trackers must list at least one tracker as "host:port"');
  }
  const trackers = options.trackers.map((t: unknown, i) => trackerAddress(t, `trackers[${i}]`));
  if (options.pool !== undefined && !isObject(options.pool)) {
    throw new ConfigError(`pool must be an object, got ${describeValue(options.pool)}`);
  }
  const pool = { ...DEFAULTS.pool, ...options.pool };
  const resolved: ResolvedClientOptions = {
    trackers,
    connectTimeout: integerOption('connectTimeout', options.connectTimeout ?? DEFAULTS.connectTimeout, 1),
    networkTimeout: integerOption('networkTimeout', options.networkTimeout ?? DEFAULTS.networkTimeout, 1),
    pool: {
      maxSize: integerOption('pool.maxSize', pool.maxSize, 1),
      acquireTimeout: integerOption('pool.acquireTimeout', pool.acquireTimeout, 1),
      maxWaiting: integerOption('pool.maxWaiting', pool.maxWaiting, 0),
      idleTimeout: integerOption('pool.idleTimeout', pool.idleTimeout, 1),
    },
    trackerRetryInterval: integerOption(
      'trackerRetryInterval',
      options.trackerRetryInterval ?? DEFAULTS.trackerRetryInterval,
      0,
    ),
    maxResponseBody: integerOption('maxResponseBody', options.maxResponseBody ?? DEFAULTS.maxResponseBody, 1),
    directReads: booleanOption('directReads', options.directReads ?? DEFAULTS.directReads),
    storageListTtl: integerOption('storageListTtl', options.storageListTtl ?? DEFAULTS.storageListTtl, 1),
    storageSyncFileMaxDelay: integerOption(
      'storageSyncFileMaxDelay',
      options.storageSyncFileMaxDelay ?? DEFAULTS.storageSyncFileMaxDelay,
      0,
    ),
  };
  Object.freeze(resolved.pool);
  for (const tracker of resolved.trackers) Object.freeze(tracker);
  Object.freeze(resolved.trackers);
  return Object.freeze(resolved);
}

/** A tracker as `host:port` / `[v6]:port`, or as `{ host, port }`; a ConfigError when it is neither. */
function trackerAddress(tracker: unknown, name: string): Address {
  try {
    return toAddress(name, tracker);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(`${name} must be true or false, got ${describeValue(value)}`);
  return value;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
