import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ConfReader, readConfFile } from 'fastdfs-conf';

/** `$PIC_CONF_DIR`, default ./conf: where every service finds `<service>.conf`. */
export function confDir(): string {
  return resolve(process.env.PIC_CONF_DIR ?? 'conf');
}

/** `$PIC_DATA_DIR`, default ./data: everything the stack writes goes under it. */
export function dataDir(): string {
  return resolve(process.env.PIC_DATA_DIR ?? 'data');
}

/** The path as errors show it: relative to the working directory when inside it (conf/del-svr.conf). */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || resolve(rel) !== path ? path : rel;
}

export interface ServiceConf {
  /** The conf's values; empty when the file does not exist (the defaults apply). */
  conf: ConfReader;
  path: string;
  exists: boolean;
}

/**
 * `$PIC_CONF_DIR/<file>`, checked against the keys the service knows (`knownKeys`, and those
 * `isKnownKey` accepts, such as `cluster_<hostid>`): an unknown key is a ConfigError naming file,
 * line and key (with a did-you-mean). A missing file means the defaults.
 */
export function readServiceConf(
  file: string,
  knownKeys: Iterable<string>,
  isKnownKey?: (key: string) => boolean,
): ServiceConf {
  const path = resolve(confDir(), file);
  const exists = existsSync(path);
  const conf = exists
    ? new ConfReader(readConfFile(shownPath(path)), shownPath(path))
    : new ConfReader(new Map(), shownPath(path));
  const known = new Set(knownKeys);
  // Keys that follow a pattern (cluster_<hostid>) are known by the predicate.
  if (isKnownKey !== undefined) for (const key of conf.keys()) if (isKnownKey(key)) known.add(key);
  conf.checkKeys(known);
  return { conf, path, exists };
}
