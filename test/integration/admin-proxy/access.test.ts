/**
 * Who may use admin_proxy, the one external port: the allow-list (every test connects from
 * 127.0.0.1, so refusal is shown by allowing only 127.0.0.2) and the bound on connections.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceLogger } from '@pic-storage/frame-service';
import { AdminProxy } from '../../../apps/admin-proxy/src/admin-proxy.js';
import type { AdminProxyOptions } from '../../../apps/admin-proxy/src/proxy-options.js';
import { FakeBackend, TestClient } from './frame-peers.js';

const CMD = 0x10b5;
const running: { stop(): Promise<void> }[] = [];
const clients: TestClient[] = [];

async function setUp(options: Partial<AdminProxyOptions>): Promise<{ proxy: AdminProxy; backend: FakeBackend }> {
  const backend = await FakeBackend.start();
  running.push({ stop: () => backend.kill() });
  const proxy = new AdminProxy({
    host: '127.0.0.1',
    port: 0,
    routes: [{ cmd: CMD, backends: [backend.address] }],
    ...options,
  });
  await proxy.start();
  running.push(proxy);
  return { proxy, backend };
}

async function client(proxy: AdminProxy): Promise<TestClient> {
  const c = await TestClient.connect(proxy.address);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const r of running.splice(0).reverse()) await r.stop();
});

describe('admin_proxy access', () => {
  it('a client outside allow_from is disconnected at once, unanswered, and logged', async () => {
    const warnings: object[] = [];
    const logger: ServiceLogger = { info() {}, error() {}, warn: (fields) => warnings.push(fields) };
    const { proxy, backend } = await setUp({ allowFrom: ['127.0.0.2/32'], logger });
    const c = await client(proxy);
    c.send({ cmd: CMD, seq: 1 }, Buffer.from('let me in'));
    await c.closed;
    await expect(c.next()).rejects.toThrow('the proxy closed the connection');
    expect(backend.accepted).toBe(0);
    expect(warnings).toContainEqual(expect.objectContaining({ remote: '127.0.0.1' }));
  });

  it('the default allow-list (loopback and private ranges) lets a local client in', async () => {
    const { proxy } = await setUp({});
    const c = await client(proxy);
    expect((await c.request({ cmd: CMD, seq: 1 }, Buffer.from('hi'))).body.toString()).toBe('hi');
  });

  it('an allow-list naming the client, in IPv4-mapped form, lets it in', async () => {
    const { proxy } = await setUp({ allowFrom: ['127.0.0.2/32', '::ffff:127.0.0.1'] });
    const c = await client(proxy);
    expect((await c.request({ cmd: CMD, seq: 1 }, Buffer.from('hi'))).header.ret).toBe(0);
  });

  it('connections past max_connections are closed; those held keep being served', async () => {
    const { proxy } = await setUp({ maxConnections: 2 });
    const first = await client(proxy);
    const second = await client(proxy);
    await first.request({ cmd: CMD, seq: 1 });
    await second.request({ cmd: CMD, seq: 1 });
    const third = await client(proxy);
    await third.closed;
    expect((await first.request({ cmd: CMD, seq: 2 }, Buffer.from('x'))).body.toString()).toBe('x');
  });
});
