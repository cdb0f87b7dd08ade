import { FRAME_SERVER_CONF_KEYS, readFrameServerConf, type ServiceConf } from '@pic-storage/service-process';
import { AllowList, EVERYONE } from './allow-list.js';
import { parseBackendAddress } from './backend.js';
import { ADMIN_PROXY_DEFAULTS, ADMIN_PROXY_PORT, type AdminProxyOptions, type RouteOptions } from './proxy-options.js';

/*
 * conf/admin-proxy.conf, beside the keys of every framed service (FRAME_SERVER_CONF_KEYS):
 *
 *   route = <cmds> <host:port>[,<host:port>...]   repeatable; cmds: 3005, 0x10B5, 4001-4003, 3002,3030
 *   route_timeout = <cmds> <seconds>              repeatable; cmds must have a route
 *   backend_timeout = 10                          seconds, every cmd without a route_timeout
 *   connect_timeout = 3                           seconds
 *   retry_interval = 1                            seconds a backend that refused a connection is skipped
 *   backend_connections = 1                       connections per backend address
 *   backend_max_in_flight = 1024                  requests awaiting a reply on one backend connection
 *   allow_from = 127.0.0.0/8, 10.0.0.0/8          repeatable; * allows everyone
 *
 * A repeatable key given at all replaces its whole default list.
 */
export const ADMIN_PROXY_CONF_KEYS = [
  ...FRAME_SERVER_CONF_KEYS,
  'route',
  'route_timeout',
  'backend_timeout',
  'connect_timeout',
  'retry_interval',
  'backend_connections',
  'backend_max_in_flight',
  'allow_from',
] as const;

type ConfReader = ServiceConf['conf'];
type ConfValue = ReturnType<ConfReader['values']>[number];

const MAX_SECONDS = 3_600;

/** The proxy's options from its conf; every bad value is a ConfigError naming file, line and key. */
export function readProxyConf(conf: ConfReader, env: NodeJS.ProcessEnv = process.env): AdminProxyOptions {
  const server = readFrameServerConf(conf, ADMIN_PROXY_PORT, env, { publicListener: true });
  const seconds = (key: string, fallbackMs: number, max = MAX_SECONDS): number => {
    const s = conf.int(key, 1, max);
    return s === undefined ? fallbackMs : s * 1000;
  };
  return {
    ...server,
    routes: readRoutes(conf),
    backendTimeoutMs: seconds('backend_timeout', ADMIN_PROXY_DEFAULTS.backendTimeoutMs),
    connectTimeoutMs: seconds('connect_timeout', ADMIN_PROXY_DEFAULTS.connectTimeoutMs, 60),
    retryIntervalMs: seconds('retry_interval', ADMIN_PROXY_DEFAULTS.retryIntervalMs),
    backendConnections: conf.int('backend_connections', 1, 64) ?? ADMIN_PROXY_DEFAULTS.backendConnections,
    backendMaxInFlight: conf.int('backend_max_in_flight', 1, 65_536) ?? ADMIN_PROXY_DEFAULTS.backendMaxInFlight,
    allowFrom: readAllowFrom(conf),
  };
}

/** `route` lines (else the defaults), each cmd's timeout from `route_timeout` lines (else the defaults). */
function readRoutes(conf: ConfReader): RouteOptions[] {
  const backends = new Map<number, readonly string[]>();
  const routedAt = new Map<number, ConfValue>();
  for (const at of conf.values('route')) {
    const m = /^(\S+)\s+(\S.*)$/.exec(at.value.trim());
    if (m === null) {
      throw conf.error('route', `must be "<cmds> <host:port>[,<host:port>...]", got ${JSON.stringify(at.value)}`, at);
    }
    const cmds = cmdList(conf, 'route', m[1] as string, at);
    const list = (m[2] as string).split(',').map((s) => s.trim());
    for (const address of list) {
      try {
        parseBackendAddress(address);
      } catch (err) {
        throw conf.error('route', `has ${(err as Error).message}`, at);
      }
    }
    for (const cmd of cmds) {
      const before = routedAt.get(cmd);
      if (before !== undefined) throw conf.error('route', `routes cmd ${cmd} again (see line ${before.line})`, at);
      routedAt.set(cmd, at);
      backends.set(cmd, list);
    }
  }
  if (routedAt.size === 0) {
    for (const route of ADMIN_PROXY_DEFAULTS.routes) backends.set(route.cmd, route.backends);
  }

  const timeouts = new Map<number, number>();
  const timeoutLines = conf.values('route_timeout');
  for (const at of timeoutLines) {
    const m = /^(\S+)\s+(\d+)$/.exec(at.value.trim());
    if (m === null)
      throw conf.error('route_timeout', `must be "<cmds> <seconds>", got ${JSON.stringify(at.value)}`, at);
    const s = Number(m[2]);
    if (s < 1 || s > MAX_SECONDS) {
      throw conf.error('route_timeout', `seconds must be between 1 and ${MAX_SECONDS}, got ${s}`, at);
    }
    for (const cmd of cmdList(conf, 'route_timeout', m[1] as string, at)) {
      if (!backends.has(cmd)) throw conf.error('route_timeout', `names cmd ${cmd}, which has no route`, at);
      timeouts.set(cmd, s * 1000);
    }
  }
  if (timeoutLines.length === 0) {
    for (const route of ADMIN_PROXY_DEFAULTS.routes) {
      if (route.timeoutMs !== undefined && backends.has(route.cmd)) timeouts.set(route.cmd, route.timeoutMs);
    }
  }

  return [...backends].map(([cmd, list]) => {
    const timeoutMs = timeouts.get(cmd);
    return timeoutMs === undefined ? { cmd, backends: list } : { cmd, backends: list, timeoutMs };
  });
}

/** `3005`, `0x10B5`, `4001-4003`, or a comma list of those. */
function cmdList(conf: ConfReader, key: string, text: string, at: ConfValue): number[] {
  const cmds: number[] = [];
  for (const item of text.split(',')) {
    const ends = item.split('-').map(cmdNumber);
    const [from, to = from] = ends;
    if (ends.length > 2 || ends.includes(undefined) || from === undefined || to === undefined || to < from) {
      throw conf.error(key, `has ${JSON.stringify(item)}: a cmd is 0..65535 (3005, 0x10B5) or a range 4001-4003`, at);
    }
    for (let cmd = from; cmd <= to; cmd++) cmds.push(cmd);
  }
  return cmds;
}

function cmdNumber(text: string): number | undefined {
  const n = /^0x[0-9a-f]{1,4}$/i.test(text) ? parseInt(text, 16) : /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  return n <= 0xffff ? n : undefined;
}

function readAllowFrom(conf: ConfReader): string[] {
  const lines = conf.values('allow_from');
  if (lines.length === 0) return [...ADMIN_PROXY_DEFAULTS.allowFrom];
  const entries: string[] = [];
  for (const at of lines) {
    const items = at.value.split(/[\s,]+/).filter((s) => s !== '');
    if (items.length === 0)
      throw conf.error('allow_from', `is empty: list address ranges, or ${EVERYONE} for everyone`, at);
    for (const item of items) {
      try {
        new AllowList([item]);
      } catch (err) {
        throw conf.error('allow_from', `has ${(err as Error).message}`, at);
      }
    }
    entries.push(...items);
  }
  return entries;
}
