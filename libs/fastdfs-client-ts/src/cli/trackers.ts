import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Address, formatAddress, parseAddress } from 'fastdfs-protocol';
import { readClientConf } from '../client-conf.js';
import { ConfigError } from '../errors.js';
import type { FdfsClientOptions } from '../options.js';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';

/** fdfs_monitor -h and tracker_server take `host` alone to mean this port (FDFS_TRACKER_SERVER_DEF_PORT). */
export const DEFAULT_TRACKER_PORT = 22122;
/** Looked up in the current folder, not beside this package: a project's own conf/client.conf. */
export const LOCAL_CONF = 'conf/client.conf';
export const TRACKER_ENV = 'PIC_TRACKER_SERVER';

/**
 * The client options for a command line: trackers from --tracker, else the tracker_server lines
 * of --conf, else $PIC_TRACKER_SERVER (comma-separated), else ./conf/client.conf, else
 * 127.0.0.1:22122. --conf also gives the timeouts when --tracker names the trackers. A bad value
 * is reported under the name the user wrote it as (--tracker, tracker_server, PIC_TRACKER_SERVER).
 */
export function clientOptionsFor(flags: { tracker?: string[]; conf?: string }, io: CliIo): FdfsClientOptions {
  // readClientConf checks every tracker_server line itself, naming the file and line.
  const fromConf = (path: string): FdfsClientOptions => readClientConf(resolve(io.cwd, path));
  const conf = flags.conf === undefined ? undefined : fromConf(flags.conf);
  if (flags.tracker !== undefined && flags.tracker.length > 0) {
    return { ...conf, trackers: addresses(flags.tracker, '--tracker', true) };
  }
  if (conf !== undefined) return conf;
  const fromEnv = io.env[TRACKER_ENV]?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (fromEnv !== undefined && fromEnv.length > 0) return { trackers: addresses(fromEnv, TRACKER_ENV, false) };
  if (existsSync(resolve(io.cwd, LOCAL_CONF))) return fromConf(LOCAL_CONF);
  return { trackers: [`127.0.0.1:${DEFAULT_TRACKER_PORT}`] };
}

/** Parses each `host:port`; a flag's bad value is a usage error, a conf's or the environment's a config error. */
function addresses(list: string[], what: string, isFlag: boolean): string[] {
  return list.map((text) => {
    const hostOnly = /^[^:]+$/.test(text) || /^\[[^\]]+\]$/.test(text);
    const withPort = isFlag && hostOnly ? `${text}:${DEFAULT_TRACKER_PORT}` : text;
    let address: Address;
    try {
      address = parseAddress(withPort, what);
    } catch (err) {
      const message = (err as Error).message.replace(JSON.stringify(withPort), JSON.stringify(text));
      throw isFlag ? new UsageError(message) : new ConfigError(message);
    }
    return formatAddress(address);
  });
}
