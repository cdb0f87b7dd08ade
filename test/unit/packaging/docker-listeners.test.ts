/**
 * How the image opens its two public ports and how its HEALTHCHECK finds them: PIC_BIND_ADDR (read
 * by the front and admin_proxy only, over their conf's bind_addr) and apps/stack/src/healthcheck.ts.
 */
import { writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publicBindAddr, readFrameServerConf } from '@pic-storage/service-process';
import { readFrontConf } from '../../../apps/front/src/conf.js';
import { ADMIN_PROXY_PORT } from '../../../apps/admin-proxy/src/proxy-options.js';
import {
  ADMIN_PROXY_DEFAULT_PORT,
  checkHealth,
  healthTargets,
  type ProbeTarget,
} from '../../../apps/stack/src/healthcheck.js';
import { tempConfDirEach } from '../../helpers/conf-dir.js';
import { confOf } from '../../helpers/shipped-conf.js';

describe('PIC_BIND_ADDR', () => {
  it('wins over bind_addr for a public listener, which otherwise keeps its conf', () => {
    const conf = confOf('bind_addr = 10.0.0.5');
    expect(publicBindAddr(conf, '127.0.0.1', {})).toBe('10.0.0.5');
    expect(publicBindAddr(confOf(''), '127.0.0.1', {})).toBe('127.0.0.1');
    expect(publicBindAddr(conf, '127.0.0.1', { PIC_BIND_ADDR: '0.0.0.0' })).toBe('0.0.0.0');
    expect(publicBindAddr(conf, '127.0.0.1', { PIC_BIND_ADDR: '::' })).toBe('::');
    expect(publicBindAddr(conf, '127.0.0.1', { PIC_BIND_ADDR: '' })).toBe('10.0.0.5');
  });

  it('must be an IP address', () => {
    for (const bad of ['localhost', '0.0.0.0:8081', ' 0.0.0.0', '300.1.1.1']) {
      expect(() => publicBindAddr(confOf(''), '127.0.0.1', { PIC_BIND_ADDR: bad }), bad).toThrow(
        /PIC_BIND_ADDR must be an IP address such as 0.0.0.0 or ::, got/,
      );
    }
  });

  it('is read by the front and a framed service that says it is public, not by the internal ones', () => {
    const env = { PIC_BIND_ADDR: '0.0.0.0' };
    expect(readFrontConf(confOf(''), env).http.host).toBe('0.0.0.0');
    expect(readFrameServerConf(confOf(''), 6998, env, { publicListener: true }).host).toBe('0.0.0.0');
    expect(readFrameServerConf(confOf(''), 9010, env).host).toBe('127.0.0.1');
    expect(readFrameServerConf(confOf('bind_addr = 10.0.0.7'), 9010, env).host).toBe('10.0.0.7');
  });
});

describe('the healthcheck', () => {
  const confDir = tempConfDirEach('docker-healthcheck-');
  const servers: (Server | HttpServer)[] = [];
  /** Connections a silent server holds open. */
  const held: Socket[] = [];

  afterEach(async () => {
    for (const socket of held.splice(0)) socket.destroy();
    for (const server of servers) if ('closeAllConnections' in server) server.closeAllConnections();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function conf(files: Record<string, string>): Promise<void> {
    for (const [name, text] of Object.entries(files)) await writeFile(join(confDir(), name), `${text}\n`);
  }

  async function listen<T extends Server | HttpServer>(server: T): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /** A front's /status as apps/front answers it, or another answer. */
  function statusServer(status: number, body: string): HttpServer {
    return createHttpServer((req, res) => {
      res.writeHead(req.url === '/status' ? status : 404, { 'content-type': 'application/json' }).end(body);
    });
  }

  it('reads every front port of stack.conf and admin_proxy’s port, a wildcard bind reached through loopback', async () => {
    await conf({
      'stack.conf': 'front_ports = 8081, 8082',
      'front.conf': 'bind_addr = 10.1.1.5\ncluster_1 = 10.0.0.1:22122',
      'admin-proxy.conf': 'port = 7000\nroute = 3005 127.0.0.1:9020',
    });
    expect(healthTargets({})).toEqual<ProbeTarget[]>([
      { name: 'front#1', host: '10.1.1.5', port: 8081, kind: 'http-status' },
      { name: 'front#2', host: '10.1.1.5', port: 8082, kind: 'http-status' },
      { name: 'admin-proxy', host: '127.0.0.1', port: 7000, kind: 'tcp' },
    ]);
    expect(healthTargets({ PIC_BIND_ADDR: '0.0.0.0' }).map((t) => t.host)).toEqual([
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
    ]);
    expect(healthTargets({ PIC_BIND_ADDR: '::' }).map((t) => t.host)).toEqual(['::1', '::1', '::1']);
  });

  it('gives the defaults without conf files, and refuses a front on a free port (nothing fixed to probe)', async () => {
    expect(healthTargets({}).map((t) => `${t.name} ${t.host}:${t.port}`)).toEqual([
      'front#1 127.0.0.1:8081',
      'admin-proxy 127.0.0.1:6998',
    ]);
    expect(ADMIN_PROXY_DEFAULT_PORT).toBe(ADMIN_PROXY_PORT);
    await conf({ 'stack.conf': 'front_ports = 0' });
    expect(() => healthTargets({})).toThrow(/front_ports lists port 0/);
  });

  it('is healthy when the front answers its /status and admin_proxy accepts', async () => {
    const front = await listen(statusServer(200, JSON.stringify({ service: 'front', cache: {} })));
    const proxy = await listen(createServer((socket) => socket.destroy()));
    const result = await checkHealth([
      { name: 'front#1', host: '127.0.0.1', port: front, kind: 'http-status' },
      { name: 'admin-proxy', host: '127.0.0.1', port: proxy, kind: 'tcp' },
    ]);
    expect(result).toEqual({
      healthy: true,
      line: `healthy: front#1 127.0.0.1:${front} GET /status 200; admin-proxy 127.0.0.1:${proxy} accepts connections`,
    });
  });

  it('is unhealthy, saying which and why, for a refused port, another service’s 200, a 503 or a silent server', async () => {
    const refusedPort = await listen(createServer());
    await new Promise((r) => (servers.pop() as Server).close(r));
    const notFront = await listen(statusServer(200, '{"service":"other"}'));
    const failing = await listen(statusServer(503, '{}'));
    const silent = await listen(createServer((socket) => held.push(socket)));
    const target = (port: number, kind: ProbeTarget['kind'] = 'http-status'): ProbeTarget => ({
      name: `p${port}`,
      host: '127.0.0.1',
      port,
      kind,
    });
    const result = await checkHealth(
      [target(refusedPort), target(notFront), target(failing), target(silent), target(refusedPort, 'tcp')],
      500,
    );
    expect(result.healthy).toBe(false);
    const parts = result.line.replace(/^unhealthy: /, '').split('; ');
    expect(parts).toEqual([
      `p${refusedPort} 127.0.0.1:${refusedPort} FAILED GET /status: ECONNREFUSED`,
      `p${notFront} 127.0.0.1:${notFront} FAILED GET /status 200, but not the front's status JSON`,
      `p${failing} 127.0.0.1:${failing} FAILED GET /status answered 503`,
      `p${silent} 127.0.0.1:${silent} FAILED GET /status: no answer within 500 ms`,
      `p${refusedPort} 127.0.0.1:${refusedPort} FAILED connect: ECONNREFUSED`,
    ]);
  });
});
