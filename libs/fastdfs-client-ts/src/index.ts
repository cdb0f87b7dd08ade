/** What a FastDFS client user needs. The wire codecs are in fastdfs-protocol, conf parsing in fastdfs-conf. */
export { FdfsClient } from './client.js';
export type {
  ClientStatus,
  DownloadOptions,
  RangeOptions,
  SlaveOptions,
  UploadOptions,
  UploadSource,
} from './client.js';
export { DEFAULTS, resolveClientOptions } from './options.js';
export type { FdfsClientOptions, ResolvedClientOptions } from './options.js';
export { clientOptionsFromConf, readClientConf } from './client-conf.js';
export * from './errors.js';
export * from './token.js';
export type { ResponseStream } from './net/connection.js';
export type { PoolOptions, PoolStats } from './net/pool.js';
export type { TrackerState } from './net/tracker-set.js';
export {
  buildSlaveFilename,
  decodeFileId,
  formatAddress,
  parseAddress,
  parseFileId,
  StorageStatus,
} from 'fastdfs-protocol';
export type {
  Address,
  FetchTargets,
  FileIdInfo,
  FileType,
  GroupFile,
  GroupStat,
  Metadata,
  MetadataMode,
  ParsedFileId,
  RemoteFileInfo,
  StorageCounters,
  StorageStat,
  StoreTarget,
  StoreTargets,
} from 'fastdfs-protocol';
