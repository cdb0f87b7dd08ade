import { isIP, isIPv4 } from 'node:net';
import { type IpFieldSize, isGroupName } from 'fastdfs-protocol';
import { type ConfEntries, ConfReader, readConfFile } from 'fastdfs-conf';
import type { EmbeddedFdfsOptions } from './options.js';

type Option = Exclude<keyof EmbeddedFdfsOptions, 'logger'>;

/** Reads and checks one value, so a bad one is reported with its conf key and line. */
interface ValueReader<T> {
  read(conf: ConfReader, key: string): T | undefined;
  /** Numeric keys: the accepted range in the conf's unit (a count, bytes, seconds). */
  readonly range?: { readonly min: number; readonly max: number };
}

/** One conf key: the option it sets and how its value is read. */
export interface EmbeddedConfKey {
  readonly key: string;
  readonly option: Option;
  readonly range?: { readonly min: number; readonly max: number };
  /** Sets `option` in `opts` when the key has a non-empty value; throws ConfigError for a bad one. */
  apply(conf: ConfReader, opts: Partial<EmbeddedFdfsOptions>): void;
}

function entry<K extends Option>(
  key: string,
  option: K,
  reader: ValueReader<NonNullable<EmbeddedFdfsOptions[K]>>,
): EmbeddedConfKey {
  return {
    key,
    option,
    range: reader.range,
    apply(conf, opts) {
      const value = reader.read(conf, key);
      if (value !== undefined) opts[option] = value;
    },
  };
}

const int = (min: number, max: number): ValueReader<number> => ({
  read: (c, k) => c.int(k, min, max),
  range: { min, max },
});
const size = (min: number, max: number): ValueReader<number> => ({
  read: (c, k) => c.size(k, min, max),
  range: { min, max },
});
/** Seconds in the conf (as in FastDFS), milliseconds in the options. */
const seconds = (min: number, max: number): ValueReader<number> => ({
  read: (c, k) => {
    const s = c.int(k, min, max);
    return s === undefined ? undefined : s * 1000;
  },
  range: { min, max },
});
/** Any non-empty string passing `valid`, else `key must be <what>`. */
const text = (valid: (v: string) => boolean = () => true, what = ''): ValueReader<string> => ({
  read: (c, k) => {
    const v = c.string(k);
    if (v === undefined || v === '') return undefined;
    if (!valid(v)) throw c.error(k, `must be ${what}, got ${JSON.stringify(v)}`);
    return v;
  },
});

const HOST_NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * `response_ip_addr_size`: auto / IPv4 / 16 → 16, IPv6 / 46 → 46. (The C tracker treats any value
 * other than `auto` as 46, tracker/tracker_func.c 454-466; here IPv4 means what it says.)
 */
const ipAddrSize: ValueReader<IpFieldSize> = {
  read: (c, k) => {
    const value = c.string(k);
    if (value === undefined || value === '') return undefined;
    const v = value.toLowerCase();
    if (v === 'auto' || v === 'ipv4' || v === '16') return 16;
    if (v === 'ipv6' || v === '46') return 46;
    throw c.error(k, `must be auto, IPv4, IPv6, 16 or 46, got ${JSON.stringify(value)}`);
  },
};

/**
 * Every key of fdfs-embedded.conf, one line each; the known keys are exactly these. Keys follow
 * tracker.conf and storage.conf where FastDFS has one; times are seconds as there. Each range is
 * the one resolveEmbeddedOptions enforces, so a value from a conf file never fails there under
 * an option name. Later lines win for the same option: store_path0 over base_path, as in
 * storage.conf.
 */
export const EMBEDDED_CONF_KEYS: readonly EmbeddedConfKey[] = [
  entry('base_path', 'basePath', text()),
  entry('store_path0', 'basePath', text()),
  entry(
    'bind_addr',
    'bindHost',
    text((v) => isIP(v) !== 0 || HOST_NAME_RE.test(v), 'an IP address or host name'),
  ),
  entry('tracker_port', 'trackerPort', int(0, 65535)),
  entry('storage_port', 'storagePort', int(0, 65535)),
  entry('group_name', 'groupName', text(isGroupName, '1-16 letters or digits')),
  entry('storage_ip', 'sourceIp', text(isIPv4, 'an IPv4 address')),
  entry('subdir_count_per_path', 'subdirCountPerPath', int(1, 256)),
  entry('file_distribute_rotate_count', 'fileDistributeRotateCount', int(1, 2 ** 31 - 1)),
  entry('max_upload_file_size', 'maxUploadSize', size(0, Number.MAX_SAFE_INTEGER)),
  entry('buff_size', 'maxMetadataBody', size(64, 64 * 1024 * 1024)),
  entry('max_small_body_size', 'maxSmallBody', size(256, 1024 * 1024)),
  entry('max_connections', 'maxConnections', int(1, 1_000_000)),
  entry('max_connections_per_ip', 'maxConnectionsPerAddress', int(1, 1_000_000)),
  entry('network_timeout', 'networkTimeoutMs', seconds(1, 2_000_000)),
  entry('idle_timeout', 'idleTimeoutMs', seconds(1, 2_000_000)),
  entry('idle_timeout_under_pressure', 'pressureIdleTimeoutMs', seconds(1, 2_000_000)),
  entry('response_ip_addr_size', 'ipAddrSize', ipAddrSize),
];

/**
 * Options from a FastDFS-style conf file (see conf/fdfs-embedded.conf), or from entries already
 * parsed. A key not in EMBEDDED_CONF_KEYS, or a bad value, is a ConfigError naming the file, line
 * and key. Absent or empty keys are left out, so EMBEDDED_DEFAULTS apply.
 */
export function embeddedOptionsFromConf(source: string | ConfEntries): Partial<EmbeddedFdfsOptions> {
  const conf =
    typeof source === 'string' ? new ConfReader(readConfFile(source), source) : new ConfReader(source, 'conf');
  conf.checkKeys(EMBEDDED_CONF_KEYS.map((k) => k.key));
  const opts: Partial<EmbeddedFdfsOptions> = {};
  for (const k of EMBEDDED_CONF_KEYS) k.apply(conf, opts);
  return opts;
}
