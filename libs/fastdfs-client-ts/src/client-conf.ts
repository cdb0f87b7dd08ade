import { ConfigError } from './errors.js';
import type { FdfsClientOptions } from './options.js';
import { type ConfEntries, ConfReader, readConfFile } from 'fastdfs-conf';

/**
 * Maps a FastDFS `client.conf` onto client options. Keys read (conf/client.conf in FastDFS):
 *   tracker_server (repeatable)         → trackers
 *   connect_timeout (s)                 → connectTimeout
 *   network_timeout (s)                 → networkTimeout
 *   connection_pool_max_idle_time (s)   → pool.idleTimeout
 * Others (base_path, log_level, http.*, use_storage_id, …) have no meaning for this client
 * and are ignored.
 */
export function clientOptionsFromConf(entries: ConfEntries, source = 'client.conf'): FdfsClientOptions {
  const conf = new ConfReader(entries, source);
  const trackers = conf.all('tracker_server').filter((t) => t !== '');
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
