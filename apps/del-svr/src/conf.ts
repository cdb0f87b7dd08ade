import { join, resolve } from 'node:path';
import { DELETE_LOG_WRITER_DEFAULTS } from '@pic-storage/delete-log';
import {
  FRAME_SERVER_CONF_KEYS,
  dataDir,
  readFrameServerConf,
  type FrameServerConf,
  type ServiceConf,
} from '@pic-storage/service-process';

/**
 * conf/del-svr.conf (every key optional; the file shows each default):
 *
 *   (the frame server keys: bind_addr, port = 9010, max_connections, ...)
 *   base_path = $PIC_DATA_DIR/del-svr   # the log is <base_path>/log/delete.log
 *   fsync = true                        # false: acknowledged entries may be lost in a crash (benchmarks only)
 *   max_group_size = 4MB                # the most one group write(2) holds
 *   max_queued_size = 64MB              # entries not yet written and synced; past it: INTERNAL
 */
export const DEL_SVR_CONF_KEYS = [
  ...FRAME_SERVER_CONF_KEYS,
  'base_path',
  'fsync',
  'max_group_size',
  'max_queued_size',
] as const;

export const DEL_SVR_DEFAULTS = Object.freeze({
  /** The first instance; the second runs with PIC_PORT=9011 (docs/stack.md). */
  port: 9010,
  sync: DELETE_LOG_WRITER_DEFAULTS.sync,
  maxGroupBytes: DELETE_LOG_WRITER_DEFAULTS.maxGroupBytes,
  maxQueuedBytes: DELETE_LOG_WRITER_DEFAULTS.maxQueuedBytes,
});

/** Where the log lives: `<base_path>/log/delete.log`, as the old del_svr wrote `log/delete.log`. */
export const LOG_FILE = join('log', 'delete.log');

export interface DelSvrConf {
  server: FrameServerConf;
  /** `<base_path>/log/delete.log`, absolute. */
  logPath: string;
  sync: boolean;
  maxGroupBytes: number;
  maxQueuedBytes: number;
}

export function readDelSvrConf(conf: ServiceConf['conf'], env: NodeJS.ProcessEnv = process.env): DelSvrConf {
  const basePath = conf.string('base_path');
  return {
    server: readFrameServerConf(conf, DEL_SVR_DEFAULTS.port, env),
    logPath: resolve(basePath === undefined || basePath === '' ? join(dataDir(), 'del-svr') : basePath, LOG_FILE),
    sync: conf.bool('fsync') ?? DEL_SVR_DEFAULTS.sync,
    maxGroupBytes: conf.size('max_group_size', 4096, 1024 ** 3) ?? DEL_SVR_DEFAULTS.maxGroupBytes,
    maxQueuedBytes: conf.size('max_queued_size', 4096, 16 * 1024 ** 3) ?? DEL_SVR_DEFAULTS.maxQueuedBytes,
  };
}
