/** FastDFS-style `key = value` conf files and option checks, shared by the FastDFS client and every service. */
export { parseConfText, readConfFile, type ConfEntries, type ConfValue } from './conf-file.js';
export { ConfReader } from './conf-reader.js';
export { integerOption } from './options.js';
