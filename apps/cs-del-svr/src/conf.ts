import {
  FRAME_SERVER_CONF_KEYS,
  isClusterKey,
  readClusters,
  readFrameServerConf,
  readServiceConf,
  type ClusterMap,
  type FrameServerConf,
  type ServiceConf,
} from '@pic-storage/service-process';

/*
 * conf/cs-del-svr.conf: the framed-service keys (bind_addr, port, ...), `cluster_<hostid> =
 * host:port[,host:port]` (the trackers of each hostid), and the keys below.
 */
export const CS_DEL_SVR_CONF_FILE = 'cs-del-svr.conf';
export const CS_DEL_SVR_DEFAULT_PORT = 9030;
export const CS_DEL_SVR_CONF_KEYS = [
  ...FRAME_SERVER_CONF_KEYS,
  'connect_timeout',
  'network_timeout',
  'delete_concurrency',
  'metadata_server',
  'purge_url',
  'purge_secret',
  'purge_external',
] as const;

export const CS_DEL_SVR_DEFAULTS = Object.freeze({
  /** Seconds to open a connection: FastDFS, metadata_dbsvr. */
  connectTimeout: 5,
  /** Seconds a FastDFS step, a metadata request or a purge call may take. */
  networkTimeout: 10,
  deleteConcurrency: 8,
  metadataServer: '127.0.0.1:9040',
  /** The front tier of `npm start`. */
  purgeUrls: ['http://127.0.0.1:8081/purge'] as readonly string[],
  purgeExternal: [] as readonly string[],
});

export interface CsDelSvrConf {
  server: FrameServerConf;
  clusters: ClusterMap;
  connectTimeoutMs: number;
  networkTimeoutMs: number;
  deleteConcurrency: number;
  /** undefined: no metadata_dbsvr, rows are not removed. */
  metadataServer: { host: string; port: number } | undefined;
  purgeUrls: readonly string[];
  purgeExternal: readonly string[];
  /** X-Purge-Secret for the front's hooks; PIC_PURGE_SECRET wins over purge_secret. */
  purgeSecret: string | undefined;
}

export function readCsDelSvrConf(conf: ServiceConf['conf'], env: NodeJS.ProcessEnv = process.env): CsDelSvrConf {
  const d = CS_DEL_SVR_DEFAULTS;
  const secret =
    env.PIC_PURGE_SECRET !== undefined && env.PIC_PURGE_SECRET !== ''
      ? env.PIC_PURGE_SECRET
      : conf.string('purge_secret');
  return {
    server: readFrameServerConf(conf, CS_DEL_SVR_DEFAULT_PORT, env),
    clusters: readClusters(conf, env),
    connectTimeoutMs: (conf.int('connect_timeout', 1, 3600) ?? d.connectTimeout) * 1000,
    networkTimeoutMs: (conf.int('network_timeout', 1, 3600) ?? d.networkTimeout) * 1000,
    deleteConcurrency: conf.int('delete_concurrency', 1, 256) ?? d.deleteConcurrency,
    metadataServer: metadataServer(conf),
    purgeUrls: urls(conf, 'purge_url', d.purgeUrls),
    purgeExternal: urls(conf, 'purge_external', d.purgeExternal),
    purgeSecret: secret === undefined || secret === '' ? undefined : secret,
  };
}

/** `$PIC_CONF_DIR/cs-del-svr.conf` (missing: the defaults), with the environment's overrides. */
export function readCsDelSvrConfFile(env: NodeJS.ProcessEnv = process.env): CsDelSvrConf {
  const { conf } = readServiceConf(CS_DEL_SVR_CONF_FILE, CS_DEL_SVR_CONF_KEYS, isClusterKey);
  return readCsDelSvrConf(conf, env);
}

/** host:port; absent → the default; empty → none. */
function metadataServer(conf: ServiceConf['conf']): { host: string; port: number } | undefined {
  const value = conf.has('metadata_server')
    ? (conf.string('metadata_server') ?? '')
    : CS_DEL_SVR_DEFAULTS.metadataServer;
  if (value === '') return undefined;
  const m = /^([^\s:]+):(\d{1,5})$/.exec(value);
  if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw conf.error(
      'metadata_server',
      `must be host:port with a port of 1-65535 (or empty for none), got ${JSON.stringify(value)}`,
    );
  }
  return { host: m[1] as string, port: Number(m[2]) };
}

/** A repeatable URL key: absent → the defaults; lines given replace them; an empty line adds none. */
function urls(conf: ServiceConf['conf'], key: string, defaults: readonly string[]): readonly string[] {
  if (!conf.has(key)) return defaults;
  const list: string[] = [];
  for (const at of conf.values(key)) {
    const value = at.value.trim();
    if (value === '') continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw conf.error(key, `must be an http:// or https:// URL, got ${JSON.stringify(value)}`, at);
    }
    list.push(value);
  }
  return list;
}
