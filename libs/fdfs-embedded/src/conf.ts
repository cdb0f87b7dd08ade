import { ConfigError, type IpFieldSize } from 'fastdfs-protocol';
import type { EmbeddedFdfsOptions } from './options.js';
import { type ConfEntries, ConfReader, readConfFile } from 'fastdfs-conf';

/**
 * Options from a FastDFS-style conf file (see conf/fdfs-embedded.conf). Keys follow tracker.conf
 * and storage.conf where one exists; times are in seconds as there. Absent keys are left out,
 * so EMBEDDED_DEFAULTS apply. `store_path0` falls back to `base_path`, as in storage.conf.
 */
export function embeddedOptionsFromConf(source: string | ConfEntries): Partial<EmbeddedFdfsOptions> {
  const name = typeof source === 'string' ? source : 'conf';
  const c = new ConfReader(typeof source === 'string' ? readConfFile(source) : source, name);
  const opts: Partial<EmbeddedFdfsOptions> = {};
  const set = <K extends keyof EmbeddedFdfsOptions>(key: K, value: EmbeddedFdfsOptions[K] | undefined): void => {
    if (value !== undefined) opts[key] = value;
  };
  const seconds = (key: string): number | undefined => {
    const s = c.int(key, 1, 2_000_000);
    return s === undefined ? undefined : s * 1000;
  };
  const nonEmpty = (key: string): string | undefined => {
    const v = c.string(key);
    return v === undefined || v === '' ? undefined : v;
  };
  set('basePath', nonEmpty('store_path0') ?? nonEmpty('base_path'));
  set('bindHost', nonEmpty('bind_addr'));
  set('trackerPort', c.int('tracker_port', 0, 65535));
  set('storagePort', c.int('storage_port', 0, 65535));
  set('groupName', nonEmpty('group_name'));
  set('sourceIp', nonEmpty('storage_ip'));
  set('subdirCountPerPath', c.int('subdir_count_per_path', 1, 256));
  set('fileDistributeRotateCount', c.int('file_distribute_rotate_count', 1, 2 ** 31 - 1));
  set('maxUploadSize', c.size('max_upload_file_size', 0, Number.MAX_SAFE_INTEGER));
  set('maxMetadataBody', c.size('buff_size', 64, 64 * 1024 * 1024));
  set('maxSmallBody', c.size('max_small_body_size', 256, 1024 * 1024));
  set('maxConnections', c.int('max_connections', 1, 1_000_000));
  set('networkTimeoutMs', seconds('network_timeout'));
  set('idleTimeoutMs', seconds('idle_timeout'));
  set('ipAddrSize', ipAddrSize(c.string('response_ip_addr_size'), name));
  return opts;
}

/**
 * `response_ip_addr_size`: auto / IPv4 / 16 → 16, IPv6 / 46 → 46. (The C tracker treats any value
 * other than `auto` as 46, tracker/tracker_func.c 454-466; here IPv4 means what it says.)
 */
function ipAddrSize(value: string | undefined, source: string): IpFieldSize | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.toLowerCase();
  if (v === 'auto' || v === 'ipv4' || v === '16') return 16;
  if (v === 'ipv6' || v === '46') return 46;
  throw new ConfigError(
    `${source}: response_ip_addr_size must be auto, IPv4, IPv6, 16 or 46, got ${JSON.stringify(value)}`,
  );
}
