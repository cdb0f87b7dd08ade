/**
 * conf/admin-proxy.conf → AdminProxyOptions: the shipped conf holds exactly the code's defaults,
 * every key it knows is shown in it, and every bad value is a ConfigError naming file, line and key.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfReader, parseConfText } from 'fastdfs-conf';
import { ConfigError } from 'fastdfs-protocol';
import { Cmd } from '@pic-storage/frame-protocol';
import { ADMIN_PROXY_CONF_KEYS, readProxyConf } from '../../../apps/admin-proxy/src/proxy-conf.js';
import { ADMIN_PROXY_DEFAULTS, resolveProxyOptions } from '../../../apps/admin-proxy/src/proxy-options.js';

const CONF_FILE = fileURLToPath(new URL('../../../conf/admin-proxy.conf', import.meta.url));
const SOURCE = 'conf/admin-proxy.conf';

function readerOf(text: string): ConfReader {
  const conf = new ConfReader(parseConfText(text, SOURCE), SOURCE);
  conf.checkKeys(ADMIN_PROXY_CONF_KEYS);
  return conf;
}
const fromText = (text: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof readProxyConf> =>
  readProxyConf(readerOf(text), env);

function messageOf(text: string): string {
  try {
    fromText(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('conf/admin-proxy.conf', () => {
  const text = readFileSync(CONF_FILE, 'utf8');

  it('holds exactly the defaults of the code', () => {
    expect(fromText(text)).toEqual(fromText(''));
    // The proxy's own options (the FrameServer's come from readFrameServerConf, tested with it).
    const { server: _fromConf, ...fromConf } = resolveProxyOptions(fromText(text));
    const { server: _fromCode, ...fromCode } = resolveProxyOptions({ port: 6998 });
    expect(fromConf).toEqual(fromCode);
    expect(_fromConf.port).toBe(6998);
  });

  it('shows every key the proxy knows, each once (route and route_timeout repeat)', () => {
    const keys = [...text.matchAll(/^#?\s*([a-z_]+) = /gm)].map((m) => m[1]);
    for (const key of ADMIN_PROXY_CONF_KEYS) expect(keys, key).toContain(key);
    const once = keys.filter((k) => k !== 'route' && k !== 'route_timeout');
    expect(new Set(once).size).toBe(once.length);
  });

  it('routes the stack on one machine, crop and batch delete with longer timeouts', () => {
    const routes = resolveProxyOptions(fromText(text)).routes;
    expect(routes.map((r) => [r.cmd, r.backends.join(','), r.timeoutMs])).toEqual([
      [Cmd.CROP, '127.0.0.1:9020,127.0.0.1:9021', 30_000],
      [Cmd.QUEUE_DELETES, '127.0.0.1:9010,127.0.0.1:9011', 10_000],
      [Cmd.BATCH_DELETE, '127.0.0.1:9030,127.0.0.1:9031', 60_000],
      [Cmd.SESSION_CHECK, '127.0.0.1:7003', 10_000],
      [Cmd.METADATA_REGISTER, '127.0.0.1:9040', 10_000],
      [Cmd.METADATA_REMOVE, '127.0.0.1:9040', 10_000],
      [Cmd.METADATA_LIST, '127.0.0.1:9040', 10_000],
    ]);
  });
});

describe('readProxyConf', () => {
  it('port 6998 unless PIC_PORT says otherwise; seconds in the conf, milliseconds in the options', () => {
    expect(fromText('').port).toBe(6998);
    expect(fromText('', { PIC_PORT: '7998' }).port).toBe(7998);
    const opts = fromText('backend_timeout = 4\nconnect_timeout = 2\nretry_interval = 7\nbackend_connections = 3\n');
    expect(opts).toMatchObject({ backendTimeoutMs: 4000, connectTimeoutMs: 2000, retryIntervalMs: 7000 });
    expect(opts.backendConnections).toBe(3);
  });

  it('route lines replace the default table: hex, ranges and comma lists of cmds', () => {
    const opts = fromText(
      'route = 0x10b5 10.0.0.7:7003\nroute = 4001-4003 [::1]:9040, db:9041\nroute = 3002,3030 127.0.0.1:9010\n',
    );
    expect(opts.routes).toEqual([
      { cmd: 0x10b5, backends: ['10.0.0.7:7003'] },
      { cmd: 4001, backends: ['[::1]:9040', 'db:9041'] },
      { cmd: 4002, backends: ['[::1]:9040', 'db:9041'] },
      { cmd: 4003, backends: ['[::1]:9040', 'db:9041'] },
      { cmd: 3002, backends: ['127.0.0.1:9010'] },
      { cmd: 3030, backends: ['127.0.0.1:9010'], timeoutMs: 60_000 }, // the default route_timeout of 3030
    ]);
  });

  it('route_timeout lines replace the default timeouts; without them the defaults apply to routed cmds', () => {
    expect(fromText('route = 3005 h:1\nroute = 3002 h:2\n').routes).toEqual([
      { cmd: 3005, backends: ['h:1'], timeoutMs: 30_000 },
      { cmd: 3002, backends: ['h:2'] },
    ]);
    expect(fromText('route = 3005,3002 h:1\nroute_timeout = 3002 5\nbackend_timeout = 2\n').routes).toEqual([
      { cmd: 3005, backends: ['h:1'] },
      { cmd: 3002, backends: ['h:1'], timeoutMs: 5000 },
    ]);
  });

  it('allow_from: comma lists and repeated lines add up and replace the default; * is everyone', () => {
    expect(fromText('allow_from = 10.0.0.0/8, ::1\nallow_from = 192.168.0.0/16\n').allowFrom).toEqual([
      '10.0.0.0/8',
      '::1',
      '192.168.0.0/16',
    ]);
    expect(fromText('').allowFrom).toEqual(ADMIN_PROXY_DEFAULTS.allowFrom);
    expect(resolveProxyOptions({ ...fromText('allow_from = *'), port: 0 }).allowList.everyone).toBe(true);
  });

  it('a bad route names the file, line and what is wrong', () => {
    expect(messageOf('# routes\nroute = 3005\n')).toBe(
      'conf/admin-proxy.conf:2: route must be "<cmds> <host:port>[,<host:port>...]", got "3005"',
    );
    expect(messageOf('route = 3005 127.0.0.1\n')).toBe(
      'conf/admin-proxy.conf:1: route has "127.0.0.1" is not a backend address like 127.0.0.1:9020',
    );
    expect(messageOf('route = 3005 127.0.0.1:9020,\n')).toBe(
      'conf/admin-proxy.conf:1: route has "" is not a backend address like 127.0.0.1:9020',
    );
    expect(messageOf('route = 70000 h:1\n')).toBe(
      'conf/admin-proxy.conf:1: route has "70000": a cmd is 0..65535 (3005, 0x10B5) or a range 4001-4003',
    );
    for (const cmds of ['4003-4001', '4001-', '4001-x', '1-2-3', '0x10000', 'crop', '3005,']) {
      expect(messageOf(`route = ${cmds} h:1\n`), cmds).toMatch(/^conf\/admin-proxy\.conf:1: route has "[^"]*": a cmd/);
    }
    expect(messageOf('route = 3005 h:1\nroute = 3000-3009 h:2\n')).toBe(
      'conf/admin-proxy.conf:2: route routes cmd 3005 again (see line 1)',
    );
    expect(messageOf('route = 3005 h:0\n')).toMatch(/route has "h:0" is not a backend address/);
  });

  it('a bad route_timeout names the file, line and what is wrong', () => {
    expect(messageOf('route_timeout = 3005\n')).toBe(
      'conf/admin-proxy.conf:1: route_timeout must be "<cmds> <seconds>", got "3005"',
    );
    expect(messageOf('route_timeout = 3005 0\n')).toBe(
      'conf/admin-proxy.conf:1: route_timeout seconds must be between 1 and 3600, got 0',
    );
    expect(messageOf('route = 3005 h:1\nroute_timeout = 3002 5\n')).toBe(
      'conf/admin-proxy.conf:2: route_timeout names cmd 3002, which has no route',
    );
  });

  it('bad numbers and allow_from entries name the key and line', () => {
    expect(messageOf('backend_timeout = 0\n')).toBe(
      'conf/admin-proxy.conf:1: backend_timeout must be between 1 and 3600, got 0',
    );
    expect(messageOf('connect_timeout = 61\n')).toBe(
      'conf/admin-proxy.conf:1: connect_timeout must be between 1 and 60, got 61',
    );
    expect(messageOf('backend_connections = 0\n')).toBe(
      'conf/admin-proxy.conf:1: backend_connections must be between 1 and 64, got 0',
    );
    expect(messageOf('allow_from = 10.0.0.0/8, 10.1.1.5/8\n')).toBe(
      'conf/admin-proxy.conf:1: allow_from has 10.1.1.5/8 has bits set past its /8 prefix: ' +
        'write 10.0.0.0/8, or the address alone',
    );
    expect(messageOf('allow_from = localhost\n')).toBe(
      'conf/admin-proxy.conf:1: allow_from has "localhost" is not an address range like 10.0.0.0/8 or fc00::/7',
    );
    expect(messageOf('allow_from =\n')).toBe(
      'conf/admin-proxy.conf:1: allow_from is empty: list address ranges, or * for everyone',
    );
  });

  it('an unknown key is refused with a suggestion', () => {
    expect(() => readerOf('routes = 3005 h:1\n')).toThrow(
      'conf/admin-proxy.conf:1: unknown key "routes" (did you mean route?)',
    );
  });
});

describe('resolveProxyOptions', () => {
  it('refuses bad options by name', () => {
    expect(() => resolveProxyOptions({ port: 0, backendTimeoutMs: 0 })).toThrow(
      'backendTimeoutMs must be a positive integer, got 0',
    );
    expect(() => resolveProxyOptions({ port: 0, routes: [{ cmd: 1, backends: [] }] })).toThrow(
      'routes[0] (cmd 1) lists no backend',
    );
    expect(() =>
      resolveProxyOptions({
        port: 0,
        routes: [
          { cmd: 1, backends: ['h:1'] },
          { cmd: 1, backends: ['h:2'] },
        ],
      }),
    ).toThrow('routes[1]: cmd 1 has a route already');
    expect(() => resolveProxyOptions({ port: 0, routes: [{ cmd: 1, backends: ['h'] }] })).toThrow(
      '"h" is not a backend address',
    );
    expect(() => resolveProxyOptions({ port: 0, allowFrom: ['10.0.0.0/40'] })).toThrow('prefix length');
  });
});
