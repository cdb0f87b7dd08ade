import { integerOption } from 'fastdfs-conf';
import { ConfigError, IP_FIELD_SIZES, type IpFieldSize, isGroupName } from 'fastdfs-protocol';
import { pino } from 'pino';

/** The logging surface the server uses; a pino logger fits, so does a test double. */
export interface EmbeddedLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EmbeddedFdfsOptions {
  /** store_path0: files live in `<basePath>/data/XX/YY/`. Required. */
  basePath: string;
  /** Address both listeners bind to. */
  bindHost?: string;
  /** Tracker port; 0 picks a free one. */
  trackerPort?: number;
  /** Storage port; 0 picks a free one (the tracker then reports the real port). */
  storagePort?: number;
  groupName?: string;
  /** IPv4 address written into file names and reported by the tracker as the storage's address. */
  sourceIp?: string;
  /** subdir_count_per_path: data/XX/YY with XX, YY < this. */
  subdirCountPerPath?: number;
  /** file_distribute_rotate_count: files written to one sub dir before moving to the next. */
  fileDistributeRotateCount?: number;
  /**
   * Largest upload / append / modify content (and truncate target) accepted, in bytes; larger →
   * EFBIG ("file too large"), answered before the content is read. A backstop, not a product
   * limit: the default 1 GiB is far above a picture tier's own cap (5 MiB) and holds what a general
   * FastDFS stores (photos, documents, most videos), while one request still cannot take more.
   */
  maxUploadSize?: number;
  /** Largest SET_METADATA body (buff_size in storage.conf). */
  maxMetadataBody?: number;
  /** Largest body of every other request. */
  maxSmallBody?: number;
  /** Per listener. */
  maxConnections?: number;
  /**
   * Connections one remote address may hold on each listener; the next one is closed on accept.
   * A value of maxConnections or more leaves only maxConnections.
   */
  maxConnectionsPerAddress?: number;
  /**
   * While a listener holds 80% of maxConnections or more, a connection idle between requests this
   * long is closed (the address holding the most connections first) instead of after idleTimeoutMs.
   */
  pressureIdleTimeoutMs?: number;
  /**
   * network_timeout: a request whose bytes stall this long, or a reply the client stops reading,
   * closes the connection.
   */
  networkTimeoutMs?: number;
  /** A connection idle between requests this long is closed. */
  idleTimeoutMs?: number;
  /** Width of IP fields in tracker and query-file-info replies: 16 (6.15+ default) or 46 (6.11–6.13, IPv6). */
  ipAddrSize?: IpFieldSize;
  /** A pino-compatible logger, or false for none. Default: pino JSON lines on stdout. */
  logger?: EmbeddedLogger | false;
}

export type ResolvedEmbeddedOptions = Readonly<Required<Omit<EmbeddedFdfsOptions, 'logger'>>> & {
  readonly logger: EmbeddedLogger;
};

export const EMBEDDED_DEFAULTS = Object.freeze({
  bindHost: '127.0.0.1',
  trackerPort: 22122,
  storagePort: 23000,
  groupName: 'group1',
  sourceIp: '127.0.0.1',
  subdirCountPerPath: 256,
  fileDistributeRotateCount: 100,
  maxUploadSize: 1024 * 1024 * 1024,
  maxMetadataBody: 256 * 1024,
  maxSmallBody: 4 * 1024,
  maxConnections: 256,
  maxConnectionsPerAddress: 64,
  pressureIdleTimeoutMs: 5_000,
  networkTimeoutMs: 30_000,
  idleTimeoutMs: 900_000,
  ipAddrSize: 16 as IpFieldSize,
});

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Applies the defaults, validates every field (the message names the bad key) and freezes. */
export function resolveEmbeddedOptions(opts: EmbeddedFdfsOptions): ResolvedEmbeddedOptions {
  if (typeof opts.basePath !== 'string' || opts.basePath === '') {
    throw new ConfigError('basePath (store_path0) is required');
  }
  const o = { ...EMBEDDED_DEFAULTS, ...stripUndefined(opts) };
  if (!isGroupName(o.groupName)) {
    throw new ConfigError(`groupName must be 1-16 letters or digits, got ${JSON.stringify(o.groupName)}`);
  }
  if (!IPV4_RE.test(o.sourceIp)) {
    throw new ConfigError(`sourceIp must be an IPv4 address, got ${JSON.stringify(o.sourceIp)}`);
  }
  if (!IP_FIELD_SIZES.includes(o.ipAddrSize)) {
    throw new ConfigError(`ipAddrSize must be 16 or 46, got ${String(o.ipAddrSize)}`);
  }
  const logger = opts.logger === false ? pino({ enabled: false }) : (opts.logger ?? pino({ name: 'fdfs-embedded' }));
  return Object.freeze({
    basePath: opts.basePath,
    bindHost: o.bindHost,
    trackerPort: integerOption('trackerPort', o.trackerPort, 0, 65535),
    storagePort: integerOption('storagePort', o.storagePort, 0, 65535),
    groupName: o.groupName,
    sourceIp: o.sourceIp,
    subdirCountPerPath: integerOption('subdirCountPerPath', o.subdirCountPerPath, 1, 256),
    fileDistributeRotateCount: integerOption('fileDistributeRotateCount', o.fileDistributeRotateCount, 1, 2 ** 31 - 1),
    maxUploadSize: integerOption('maxUploadSize', o.maxUploadSize, 0, Number.MAX_SAFE_INTEGER),
    maxMetadataBody: integerOption('maxMetadataBody', o.maxMetadataBody, 64, 64 * 1024 * 1024),
    maxSmallBody: integerOption('maxSmallBody', o.maxSmallBody, 256, 1024 * 1024),
    maxConnections: integerOption('maxConnections', o.maxConnections, 1, 1_000_000),
    maxConnectionsPerAddress: integerOption('maxConnectionsPerAddress', o.maxConnectionsPerAddress, 1, 1_000_000),
    networkTimeoutMs: integerOption('networkTimeoutMs', o.networkTimeoutMs, 1, 2 ** 31 - 1),
    idleTimeoutMs: integerOption('idleTimeoutMs', o.idleTimeoutMs, 1, 2 ** 31 - 1),
    pressureIdleTimeoutMs: integerOption('pressureIdleTimeoutMs', o.pressureIdleTimeoutMs, 1, 2 ** 31 - 1),
    ipAddrSize: o.ipAddrSize,
    logger,
  });
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
