/** A single-node FastDFS tracker + storage in one Node process (FastDFS 6.16 wire protocol). */
export { EmbeddedFdfs, STATE_FILE, type ServerAddress } from './embedded-fdfs.js';
export { EMBEDDED_DEFAULTS, resolveOptions, type EmbeddedFdfsOptions, type EmbeddedLogger, type IpAddrSize, type ResolvedOptions } from './options.js';
export { embeddedOptionsFromConf } from './conf.js';
export { FDFS_VERSION } from './tracker-service.js';
