/** A single-node FastDFS tracker + storage in one Node process (FastDFS 6.16 wire protocol). */
export { EmbeddedFdfs, STATE_FILE } from './embedded-fdfs.js';
export {
  EMBEDDED_DEFAULTS,
  resolveEmbeddedOptions,
  type EmbeddedFdfsOptions,
  type EmbeddedLogger,
  type ResolvedEmbeddedOptions,
} from './options.js';
export { embeddedOptionsFromConf } from './conf.js';
export type { ConnectionStats } from './server/connection-table.js';
export { StoreLockedError } from './store-lock.js';
export { FDFS_VERSION } from './version.js';
