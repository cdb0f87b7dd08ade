/** Wire codecs for both sides of the FastDFS protocol: clients encode requests, servers decode them. */
export * from './constants.js';
export * from './decoder.js';
export * from './encoder.js';
export * from './header.js';
export * from './ip-field.js';
export * from './group-file.js';
export * from './tracker/server-address.js';
export * from './tracker/query-store.js';
export * from './tracker/query-fetch.js';
export * from './tracker/list-groups.js';
export * from './tracker/list-storages.js';
export * from './storage/upload.js';
export * from './storage/upload-slave.js';
export * from './storage/appender.js';
export * from './storage/download.js';
export * from './storage/file-info.js';
export * from './storage/metadata.js';
