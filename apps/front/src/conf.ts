import type { ConfReader } from 'fastdfs-conf';
import { ConfigError } from 'fastdfs-protocol';
import {
  isClusterKey,
  parseHostPort,
  publicBindAddr,
  readClusters,
  readServiceConf,
  type ClusterMap,
} from '@pic-storage/service-process';
import {
  readSessionConf,
  SESSION_CONF_DEFAULTS,
  SESSION_CONF_KEYS,
  type SessionConf,
} from '@pic-storage/session-count';
import { PICTURE_TYPES, type PictureType } from './upload/picture-type.js';

/** conf/front.conf (docs/services/front.md): every key with its default, the file says what each does. */
export const FRONT_CONF_FILE = 'front.conf';
export const FRONT_DEFAULT_PORT = 8081;

export const FRONT_CONF_KEYS = [
  // the HTTP listener
  'bind_addr',
  'port',
  'max_connections',
  'keep_alive_timeout',
  'request_timeout',
  // FastDFS
  'connect_timeout',
  'network_timeout',
  'upload_hostid',
  'upload_group',
  'storage_sync_file_max_delay',
  // session keys (shared with sess_check_svr)
  ...SESSION_CONF_KEYS,
  // upload.cgi
  'upload_max_size',
  'server_ip',
  'allowed_types',
  'max_input_pixels',
  'limit_mode',
  'image_timeout',
  'upload_max_in_flight',
  'metadata_server',
  'cors_origins',
  // download.fcgi and its cache
  'cache_memory',
  'cache_max_object',
  'cache_control_max_age',
  'redis_cache',
  'redis_cache_ttl',
  'redis_max_object',
  'anti_steal_check_token',
  'anti_steal_secret_key',
  'anti_steal_token_ttl',
  'anti_steal_token_fail',
  // purge
  'purge_allow',
  'purge_secret',
  'purge_external',
] as const;

const MB = 1024 * 1024;

/** Every default of conf/front.conf (a test holds the file equal to these). */
export const FRONT_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: FRONT_DEFAULT_PORT,
  maxConnections: 10_000,
  /** Seconds an idle keep-alive connection is held. */
  keepAliveTimeout: 5,
  /** Seconds a request may take to arrive whole (headers and body). */
  requestTimeout: 60,
  connectTimeout: 5,
  networkTimeout: 30,
  uploadHostid: 0,
  /** Empty: the tracker picks the group. */
  uploadGroup: undefined as string | undefined,
  /** Seconds (FastDFS storage.conf / mod_fastdfs.conf). */
  storageSyncFileMaxDelay: 86_400,
  uploadMaxSize: 5 * MB,
  /** Empty: i_ip is not checked. */
  serverIp: undefined as string | undefined,
  allowedTypes: ['jpg', 'png', 'gif', 'webp'] as readonly PictureType[],
  maxInputPixels: 40_000_000,
  limitMode: 'fit' as LimitMode,
  /** Seconds libvips may spend scaling one picture. */
  imageTimeout: 30,
  /** Uploads served at once; one more is 503. */
  uploadMaxInFlight: 64,
  metadataServer: '127.0.0.1:9040',
  corsOrigins: [] as readonly string[],
  cacheMemory: 256 * MB,
  cacheMaxObject: 8 * MB,
  /** Seconds: 30 days. */
  cacheControlMaxAge: 2_592_000,
  redisCache: true,
  /** Seconds a picture lives in Redis. */
  redisCacheTtl: 86_400,
  redisMaxObject: MB,
  antiStealCheckToken: false,
  /** Seconds. */
  antiStealTokenTtl: 900,
  purgeAllow: ['127.0.0.1', '::1'] as readonly string[],
  purgeExternal: [] as readonly string[],
});

/** What a picture larger than the session's weight_limit × height_limit gets. */
export type LimitMode = 'fit' | 'reject';

export interface FrontConf {
  http: {
    host: string;
    port: number;
    maxConnections: number;
    keepAliveTimeoutMs: number;
    requestTimeoutMs: number;
  };
  clusters: ClusterMap;
  fastdfs: {
    connectTimeoutMs: number;
    networkTimeoutMs: number;
    /** Milliseconds after its creation a file is on every storage of its group. */
    storageSyncFileMaxDelayMs: number;
  };
  session: SessionConf;
  upload: {
    hostid: number;
    group: string | undefined;
    maxSize: number;
    /** The address i_ip must name (a.b.c.d), or undefined: not checked. */
    serverIp: string | undefined;
    allowedTypes: readonly PictureType[];
    maxInputPixels: number;
    limitMode: LimitMode;
    imageTimeoutSeconds: number;
    maxInFlight: number;
    /** undefined: photoid 0, nothing registered. */
    metadataServer: { host: string; port: number } | undefined;
    /** Origins allowed to call upload.cgi from a browser; '*' for any. */
    corsOrigins: readonly string[];
  };
  cache: {
    memoryBytes: number;
    /** Larger files stream through, never held whole nor cached. */
    maxObjectBytes: number;
    cacheControlMaxAge: number;
    /** Redis as a second level (when session.redisUrl is set and redis_cache is on). */
    redis: { ttlSeconds: number; maxObjectBytes: number } | undefined;
  };
  antiSteal: { secret: string; ttlSeconds: number; failPicture: string | undefined } | undefined;
  purge: {
    allow: readonly string[];
    /** X-Purge-Secret; PIC_PURGE_SECRET wins over purge_secret. */
    secret: string | undefined;
    external: readonly string[];
  };
}

export function readFrontConf(conf: ConfReader, env: NodeJS.ProcessEnv = process.env): FrontConf {
  const d = FRONT_DEFAULTS;
  const session = readSessionConf(conf, env);
  const redisCache = conf.bool('redis_cache') ?? d.redisCache;
  const uploadHostid = conf.int('upload_hostid', 0, 999_999_999) ?? d.uploadHostid;
  const clusters = readClusters(conf, env);
  if (!clusters.has(uploadHostid)) {
    throw conf.error('upload_hostid', `names hostid ${uploadHostid}, which has no cluster_${uploadHostid} line`);
  }
  return {
    http: {
      // the one public HTTP port: PIC_BIND_ADDR (the Docker image's 0.0.0.0) wins over bind_addr
      host: publicBindAddr(conf, d.host, env),
      port: port(conf, env),
      maxConnections: conf.int('max_connections', 1, 1_000_000) ?? d.maxConnections,
      keepAliveTimeoutMs: (conf.int('keep_alive_timeout', 1, 3600) ?? d.keepAliveTimeout) * 1000,
      requestTimeoutMs: (conf.int('request_timeout', 1, 3600) ?? d.requestTimeout) * 1000,
    },
    clusters,
    fastdfs: {
      connectTimeoutMs: (conf.int('connect_timeout', 1, 3600) ?? d.connectTimeout) * 1000,
      networkTimeoutMs: (conf.int('network_timeout', 1, 3600) ?? d.networkTimeout) * 1000,
      storageSyncFileMaxDelayMs:
        (conf.int('storage_sync_file_max_delay', 0, 31_536_000) ?? d.storageSyncFileMaxDelay) * 1000,
    },
    session,
    upload: {
      hostid: uploadHostid,
      group: groupName(conf),
      maxSize: conf.size('upload_max_size', 1, 1024 * MB) ?? d.uploadMaxSize,
      serverIp: serverIp(conf),
      allowedTypes: allowedTypes(conf),
      maxInputPixels: conf.int('max_input_pixels', 1, 2_000_000_000) ?? d.maxInputPixels,
      limitMode: limitMode(conf),
      imageTimeoutSeconds: conf.int('image_timeout', 1, 3600) ?? d.imageTimeout,
      maxInFlight: conf.int('upload_max_in_flight', 1, 100_000) ?? d.uploadMaxInFlight,
      metadataServer: metadataServer(conf),
      corsOrigins: corsOrigins(conf),
    },
    cache: {
      memoryBytes: conf.size('cache_memory', 0, 1024 * 1024 * MB) ?? d.cacheMemory,
      maxObjectBytes: conf.size('cache_max_object', 0, 1024 * MB) ?? d.cacheMaxObject,
      cacheControlMaxAge: conf.int('cache_control_max_age', 0, 315_360_000) ?? d.cacheControlMaxAge,
      redis:
        session.redisUrl !== undefined && redisCache
          ? {
              ttlSeconds: conf.int('redis_cache_ttl', 1, 315_360_000) ?? d.redisCacheTtl,
              maxObjectBytes: conf.size('redis_max_object', 0, 512 * MB) ?? d.redisMaxObject,
            }
          : undefined,
    },
    antiSteal: antiSteal(conf),
    purge: {
      allow: list(conf, 'purge_allow') ?? d.purgeAllow,
      secret: purgeSecret(conf, env),
      external: urls(conf, 'purge_external') ?? d.purgeExternal,
    },
  };
}

/** `$PIC_CONF_DIR/front.conf` (missing: the defaults), with the environment's overrides. */
export function readFrontConfFile(env: NodeJS.ProcessEnv = process.env): FrontConf {
  const { conf } = readServiceConf(FRONT_CONF_FILE, FRONT_CONF_KEYS, isClusterKey);
  return readFrontConf(conf, env);
}

export { SESSION_CONF_DEFAULTS };

function port(conf: ConfReader, env: NodeJS.ProcessEnv): number {
  const fromEnv = env.PIC_PORT;
  if (fromEnv === undefined || fromEnv === '') return conf.int('port', 0, 65535) ?? FRONT_DEFAULTS.port;
  if (!/^\d{1,5}$/.test(fromEnv) || Number(fromEnv) > 65535) {
    throw new ConfigError(`PIC_PORT must be a port number, got ${JSON.stringify(fromEnv)}`);
  }
  return Number(fromEnv);
}

/** A comma-separated list; undefined when the key is absent. */
function list(conf: ConfReader, key: string): string[] | undefined {
  if (!conf.has(key)) return undefined;
  return (conf.string(key) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function groupName(conf: ConfReader): string | undefined {
  const group = conf.string('upload_group');
  if (group === undefined || group === '') return undefined;
  if (!/^[A-Za-z0-9]{1,16}$/.test(group)) throw conf.error('upload_group', 'must be 1-16 letters or digits');
  return group;
}

function serverIp(conf: ConfReader): string | undefined {
  const ip = conf.string('server_ip');
  if (ip === undefined || ip === '') return undefined;
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw conf.error('server_ip', `must be an IPv4 address a.b.c.d, got ${JSON.stringify(ip)}`);
  }
  return ip;
}

function allowedTypes(conf: ConfReader): readonly PictureType[] {
  const given = list(conf, 'allowed_types');
  if (given === undefined) return FRONT_DEFAULTS.allowedTypes;
  if (given.length === 0) throw conf.error('allowed_types', `must list at least one of ${PICTURE_TYPES.join(', ')}`);
  const bad = given.find((t) => !(PICTURE_TYPES as readonly string[]).includes(t.toLowerCase()));
  if (bad !== undefined) {
    throw conf.error('allowed_types', `has ${JSON.stringify(bad)}; known types: ${PICTURE_TYPES.join(', ')}`);
  }
  return [...new Set(given.map((t) => t.toLowerCase() as PictureType))];
}

function limitMode(conf: ConfReader): LimitMode {
  const mode = conf.string('limit_mode');
  if (mode === undefined || mode === '') return FRONT_DEFAULTS.limitMode;
  if (mode !== 'fit' && mode !== 'reject') {
    throw conf.error('limit_mode', `must be fit or reject, got ${JSON.stringify(mode)}`);
  }
  return mode;
}

/** host:port; absent → the default; empty → none. */
function metadataServer(conf: ConfReader): { host: string; port: number } | undefined {
  const value = conf.has('metadata_server') ? (conf.string('metadata_server') ?? '') : FRONT_DEFAULTS.metadataServer;
  if (value === '') return undefined;
  const address = parseHostPort(value);
  if (address === undefined) {
    throw conf.error('metadata_server', `must be host:port (or empty for none), got ${JSON.stringify(value)}`);
  }
  return address;
}

function corsOrigins(conf: ConfReader): readonly string[] {
  const given = list(conf, 'cors_origins');
  if (given === undefined) return FRONT_DEFAULTS.corsOrigins;
  for (const origin of given) {
    if (origin === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    // An Origin header is scheme://host[:port] exactly: no path, no trailing slash.
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      throw conf.error('cors_origins', `must list origins such as https://game.example.com or *, got ${origin}`);
    }
  }
  return given;
}

function antiSteal(conf: ConfReader): FrontConf['antiSteal'] {
  if (!(conf.bool('anti_steal_check_token') ?? FRONT_DEFAULTS.antiStealCheckToken)) return undefined;
  const secret = conf.string('anti_steal_secret_key');
  if (secret === undefined || secret === '') {
    throw conf.error('anti_steal_secret_key', 'must be set when anti_steal_check_token is on');
  }
  const fail = conf.string('anti_steal_token_fail');
  return {
    secret,
    ttlSeconds: conf.int('anti_steal_token_ttl', 1, 315_360_000) ?? FRONT_DEFAULTS.antiStealTokenTtl,
    failPicture: fail === undefined || fail === '' ? undefined : fail,
  };
}

function purgeSecret(conf: ConfReader, env: NodeJS.ProcessEnv): string | undefined {
  const secret =
    env.PIC_PURGE_SECRET !== undefined && env.PIC_PURGE_SECRET !== ''
      ? env.PIC_PURGE_SECRET
      : conf.string('purge_secret');
  return secret === undefined || secret === '' ? undefined : secret;
}

/** A repeatable URL key: absent → undefined; lines given replace the defaults; an empty line adds none. */
function urls(conf: ConfReader, key: string): readonly string[] | undefined {
  if (!conf.has(key)) return undefined;
  const found: string[] = [];
  for (const at of conf.values(key)) {
    const value = at.value.trim();
    if (value === '') continue;
    if (!/^https?:\/\//.test(value) || !URL.canParse(value)) {
      throw conf.error(key, `must be an http:// or https:// URL, got ${JSON.stringify(value)}`, at);
    }
    found.push(value);
  }
  return found;
}
