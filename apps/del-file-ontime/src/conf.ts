import { MAX_PIC_COUNT } from '@pic-storage/frame-protocol';
import type { ServiceConf } from '@pic-storage/service-process';

/**
 * conf/del-file-ontime.conf (optional; the flags override it):
 *
 *   batch_size = 100        # entries per cmd 3030 request, 1..4096 (--batch)
 *   connect_timeout = 5     # seconds to connect to admin_proxy
 *   network_timeout = 30    # seconds to wait for each response (--timeout)
 */
export const DEL_FILE_ONTIME_CONF_KEYS = ['batch_size', 'connect_timeout', 'network_timeout'] as const;

export const DEL_FILE_ONTIME_DEFAULTS = Object.freeze({
  batchSize: 100,
  connectTimeoutS: 5,
  networkTimeoutS: 30,
});

/** The longest wait the timeouts accept, in seconds. */
export const MAX_TIMEOUT_S = 3600;

export interface DelFileOntimeConf {
  batchSize: number;
  connectTimeoutS: number;
  networkTimeoutS: number;
}

export function readDelFileOntimeConf(conf: ServiceConf['conf']): DelFileOntimeConf {
  return {
    batchSize: conf.int('batch_size', 1, MAX_PIC_COUNT) ?? DEL_FILE_ONTIME_DEFAULTS.batchSize,
    connectTimeoutS: conf.int('connect_timeout', 1, MAX_TIMEOUT_S) ?? DEL_FILE_ONTIME_DEFAULTS.connectTimeoutS,
    networkTimeoutS: conf.int('network_timeout', 1, MAX_TIMEOUT_S) ?? DEL_FILE_ONTIME_DEFAULTS.networkTimeoutS,
  };
}
