import { parseAddress } from 'fastdfs-protocol';
import { ConfigError } from './errors.js';
import type { FdfsClientOptions } from './options.js';
import { type ConfEntries, ConfReader, readConfFile } from 'fastdfs-conf';

/**
 * The keys this client reads from a FastDFS `client.conf`:
 *   tracker_server (repeatable, host:port) → trackers
 *   connect_timeout (s, 1-3600)           → connectTimeout
 *   network_timeout (s, 1-3600)           → networkTimeout
 *   connection_pool_max_idle_time (s)     → pool.idleTimeout
 */
const READ_KEYS = ['tracker_server', 'connect_timeout', 'network_timeout', 'connection_pool_max_idle_time'];

/**
 * Keys that FastDFS's own client.conf (V6.16.1, and V5's `http.tracker_server_port`) and the
 * http.conf it may #include define, which mean nothing to this client: accepted and ignored, so
 * an existing /etc/fdfs/client.conf works unchanged. Any other key is an error.
 */
const FASTDFS_ONLY_KEYS = [
  'base_path',
  'log_level',
  'connect_first_by',
  'use_connection_pool',
  'load_fdfs_parameters_from_tracker',
  'use_storage_id',
  'storage_ids_filename',
  'http.tracker_server_port',
  'http.server_port',
  'http.disabled',
  'http.need_find_content_type',
  'http.default_content_type',
  'http.mime_types_filename',
  'http.anti_steal.check_token',
  'http.anti_steal.token_ttl',
  'http.anti_steal.secret_key',
  'http.anti_steal.token_check_fail',
  'http.multi_range.enabled',
];

/**
 * Maps a FastDFS `client.conf` onto client options. Every error is a ConfigError naming the
 * file, line and conf key: a key neither read nor in FASTDFS_ONLY_KEYS, a bad tracker_server, a
 * timeout out of range.
 */
export function clientOptionsFromConf(entries: ConfEntries, source = 'client.conf'): FdfsClientOptions {
  const conf = new ConfReader(entries, source);
  conf.checkKeys([...READ_KEYS, ...FASTDFS_ONLY_KEYS]);
  const trackers = conf.values('tracker_server').map((at) => {
    try {
      parseAddress(at.value);
    } catch {
      throw conf.error(
        'tracker_server',
        `must be host:port with a port of 1-65535, got ${JSON.stringify(at.value)}`,
        at,
      );
    }
    return at.value;
  });
  if (trackers.length === 0) throw new ConfigError(`${source}: no tracker_server line`);
  const options: FdfsClientOptions = { trackers };
  const connect = conf.int('connect_timeout', 1, 3600);
  if (connect !== undefined) options.connectTimeout = connect * 1000;
  const network = conf.int('network_timeout', 1, 3600);
  if (network !== undefined) options.networkTimeout = network * 1000;
  const idle = conf.int('connection_pool_max_idle_time', 1, 86_400);
  if (idle !== undefined) options.pool = { idleTimeout: idle * 1000 };
  return options;
}

export function readClientConf(path: string): FdfsClientOptions {
  return clientOptionsFromConf(readConfFile(path), path);
}
