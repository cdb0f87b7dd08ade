/** What every service process of the stack shares. */
export { EX_CONFIG, EX_TEMPFAIL, EX_USAGE } from './exit-codes.js';
export { confDir, dataDir, readServiceConf, shownPath, type ServiceConf } from './locations.js';
export { ClusterClients, DEFAULT_TRACKER, isClusterKey, readClusters, type ClusterMap } from './clusters.js';
export { runService, ServiceBusyError, type RunningService } from './run-service.js';
export { stopOnSignals, STOP_TIMEOUT_MS, type StopOnSignalsOptions } from './stop-on-signals.js';
export {
  FRAME_SERVER_CONF_KEYS,
  readFrameServerConf,
  type FrameServerConf,
  type FrameServerConfOptions,
} from './frame-server-conf.js';
export { publicBindAddr } from './bind-addr.js';
export { parseHostPort } from './host-port.js';
