import { ConfigError } from 'fastdfs-protocol';
import type { ConfReader } from 'fastdfs-conf';

/**
 * conf/stack.conf: what `npm start` runs. Each service reads its own conf file; this one says only
 * which services run and how many instances of the scaled ones, by port:
 *
 *   embedded_fdfs = auto            # auto: unless PIC_TRACKER_SERVER is set; yes; no
 *   cut_svr_ports = 9020, 9021      # one cut_svr process per port (PIC_PORT of each)
 *   del_svr_ports = 9010, 9011
 *   cs_del_svr_ports = 9030, 9031
 *   front_ports = 8081              # the public HTTP port(s)
 */
export const STACK_CONF_KEYS = [
  'embedded_fdfs',
  'cut_svr_ports',
  'del_svr_ports',
  'cs_del_svr_ports',
  'front_ports',
] as const;

export interface StackConf {
  embeddedFdfs: boolean;
  cutSvrPorts: number[];
  delSvrPorts: number[];
  csDelSvrPorts: number[];
  frontPorts: number[];
}

export const STACK_DEFAULTS = Object.freeze({
  embeddedFdfs: 'auto',
  cutSvrPorts: [9020, 9021],
  delSvrPorts: [9010, 9011],
  csDelSvrPorts: [9030, 9031],
  frontPorts: [8081],
});

export function readStackConf(conf: ConfReader, env: NodeJS.ProcessEnv = process.env): StackConf {
  const mode = (conf.string('embedded_fdfs') || STACK_DEFAULTS.embeddedFdfs).toLowerCase();
  if (!['auto', 'yes', 'no', 'true', 'false'].includes(mode)) {
    throw conf.error('embedded_fdfs', `must be auto, yes or no, got ${JSON.stringify(mode)}`);
  }
  const trackerSet = (env.PIC_TRACKER_SERVER ?? '').trim() !== '';
  return {
    embeddedFdfs: mode === 'auto' ? !trackerSet : mode === 'yes' || mode === 'true',
    cutSvrPorts: ports(conf, 'cut_svr_ports', STACK_DEFAULTS.cutSvrPorts),
    delSvrPorts: ports(conf, 'del_svr_ports', STACK_DEFAULTS.delSvrPorts),
    csDelSvrPorts: ports(conf, 'cs_del_svr_ports', STACK_DEFAULTS.csDelSvrPorts),
    frontPorts: ports(conf, 'front_ports', STACK_DEFAULTS.frontPorts),
  };
}

/** A comma list of ports, each one instance; 0 lets the instance pick a free port. */
function ports(conf: ConfReader, key: string, fallback: readonly number[]): number[] {
  const value = conf.string(key);
  if (value === undefined || value.trim() === '') return [...fallback];
  const list = value.split(',').map((part) => part.trim());
  for (const port of list) {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
      throw conf.error(key, `must be a comma list of ports, got ${JSON.stringify(port)}`);
    }
  }
  if (list.length > 16) throw new ConfigError(`${conf.source}: ${key} lists ${list.length} instances, at most 16`);
  return list.map(Number);
}
