/** FastDFS-style `key = value` conf files and option checks, shared by the FastDFS client and every service. */
export { ConfReader, parseConfText, readConfFile, type ConfEntries } from './conf-file.js';
export { integerOption } from './options.js';
