/**
 * admin_proxy with backends that fail: load spread over live backends, a backend that refuses
 * connections skipped (its requests go to another), one killed mid-run (its requests in flight
 * BACKEND_UNAVAILABLE, later ones elsewhere), one that hangs (BACKEND_UNAVAILABLE after the route's
 * timeout, never sent twice), a full backend connection, and a backend coming back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ResultCode } from '@pic-storage/frame-protocol';
import type { ServiceLogger } from '@pic-storage/frame-service';
import { AdminProxy } from '../../../apps/admin-proxy/src/admin-proxy.js';
import type { AdminProxyOptions, RouteOptions } from '../../../apps/admin-proxy/src/proxy-options.js';
import { FakeBackend, HANG, TestClient, echo, sleep, type Behaviour } from './frame-peers.js';

const CMD = 3002;
const running: { stop(): Promise<void> }[] = [];
const clients: TestClient[] = [];

async function proxyWith(route: Omit<RouteOptions, 'cmd'>, options: Partial<AdminProxyOptions> = {}) {
  const proxy = new AdminProxy({ host: '127.0.0.1', port: 0, routes: [{ cmd: CMD, ...route }], ...options });
  await proxy.start();
  running.push(proxy);
  return proxy;
}

async function backend(behaviour: Behaviour = echo, port = 0): Promise<FakeBackend> {
  const b = await FakeBackend.start(behaviour, port);
  running.push({ stop: () => b.kill() });
  return b;
}

/** An address where nothing listens: connections are refused. */
async function deadAddress(): Promise<{ address: string; port: number }> {
  const b = await FakeBackend.start();
  const { address, port } = b;
  await b.kill();
  return { address, port };
}

async function client(proxy: AdminProxy): Promise<TestClient> {
  const c = await TestClient.connect(proxy.address);
  clients.push(c);
  return c;
}

/** Log lines as { level, message, fields }. */
function captureLogs(): { logger: ServiceLogger; lines: { level: string; message: string; fields: object }[] } {
  const lines: { level: string; message: string; fields: object }[] = [];
  const at =
    (level: string) =>
    (fields: object, message = ''): void => {
      lines.push({ level, message, fields });
    };
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const r of running.splice(0).reverse()) await r.stop();
});

describe('admin_proxy failover', () => {
  it('spreads requests over two backends: in turn when idle, by fewest in flight when busy', async () => {
    const slow: Behaviour = async (request) => {
      await sleep(20);
      return echo(request);
    };
    const a = await backend(slow);
    const b = await backend(slow);
    const proxy = await proxyWith({ backends: [a.address, b.address] });
    const c = await client(proxy);
    for (let seq = 1; seq <= 10; seq++) expect((await c.request({ cmd: CMD, seq })).header.ret).toBe(0);
    expect([a.requests.length, b.requests.length]).toEqual([5, 5]);

    const others = await Promise.all([1, 2, 3, 4].map(() => client(proxy)));
    const replies = await Promise.all(
      others.flatMap((o) => Array.from({ length: 10 }, (_, i) => o.request({ cmd: CMD, seq: 100 + i }))),
    );
    expect(replies.every((r) => r.header.ret === 0)).toBe(true);
    expect(a.requests.length + b.requests.length).toBe(50);
    expect(a.requests.length).toBeGreaterThanOrEqual(15);
    expect(b.requests.length).toBeGreaterThanOrEqual(15);
  });

  it('a backend refusing connections is skipped: every request is served by the other', async () => {
    const dead = await deadAddress();
    const live = await backend();
    const { logger, lines } = captureLogs();
    const proxy = await proxyWith({ backends: [dead.address, live.address] }, { retryIntervalMs: 60_000, logger });
    const c = await client(proxy);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.request({ cmd: CMD, seq: i + 1 }, Buffer.from([i]))),
    );
    replies.forEach((reply, i) => {
      expect(reply.header).toMatchObject({ seq: i + 1, ret: 0 });
      expect(reply.body).toEqual(Buffer.from([i]));
    });
    expect(live.requests).toHaveLength(20);
    const down = lines.filter((l) => l.message === 'backend unreachable, skipping it');
    expect(down).toHaveLength(1);
    expect(down[0]?.fields).toMatchObject({ backend: dead.address });
  });

  it('a backend killed mid-run: its requests in flight get BACKEND_UNAVAILABLE, later ones go to the live one', async () => {
    const doomed = await backend(() => HANG);
    const live = await backend();
    const proxy = await proxyWith(
      { backends: [doomed.address, live.address], timeoutMs: 60_000 },
      { retryIntervalMs: 60_000 },
    );
    const c = await client(proxy);
    const first = Array.from({ length: 10 }, (_, i) => c.request({ cmd: CMD, seq: i + 1 }));
    while (doomed.requests.length + live.requests.length < 10) await sleep(5);
    const onDoomed = doomed.requests.length;
    expect(onDoomed).toBeGreaterThan(0);
    await doomed.kill();
    // Within the test's time limit, far under the route's 60 s timeout: the kill, not a timeout.
    const replies = await Promise.all(first);
    expect(replies.filter((r) => r.header.ret === ResultCode.BACKEND_UNAVAILABLE)).toHaveLength(onDoomed);
    expect(replies.filter((r) => r.header.ret === 0)).toHaveLength(10 - onDoomed);

    const later = await Promise.all(Array.from({ length: 10 }, (_, i) => c.request({ cmd: CMD, seq: 100 + i })));
    expect(later.map((r) => r.header.ret)).toEqual(new Array(10).fill(0));
    expect(live.requests).toHaveLength(20 - onDoomed);
  });

  it('a backend that hangs: BACKEND_UNAVAILABLE after the route timeout, and the request is not sent again', async () => {
    const hung = await backend(() => HANG);
    const live = await backend();
    const { logger, lines } = captureLogs();
    const proxy = await proxyWith({ backends: [hung.address, live.address], timeoutMs: 300 }, { logger });
    const c = await client(proxy);
    const replies = await Promise.all([1, 2].map((seq) => c.request({ cmd: CMD, seq })));
    expect(replies.map((r) => r.header.ret).sort()).toEqual([0, ResultCode.BACKEND_UNAVAILABLE]);
    expect(hung.requests).toHaveLength(1);
    expect(live.requests).toHaveLength(1);
    expect(lines.find((l) => l.message === 'backend timed out')?.fields).toMatchObject({
      cmd: CMD,
      backend: hung.address,
    });
  });

  it('a full backend connection: the request past backend_max_in_flight is refused at once, not queued', async () => {
    const hung = await backend(() => HANG);
    const proxy = await proxyWith({ backends: [hung.address], timeoutMs: 1_000 }, { backendMaxInFlight: 1 });
    const c = await client(proxy);
    c.send({ cmd: CMD, seq: 1 });
    while (hung.requests.length === 0) await sleep(5);
    c.send({ cmd: CMD, seq: 2 });
    const firstReply = await c.next();
    expect(firstReply.header).toMatchObject({ seq: 2, ret: ResultCode.BACKEND_UNAVAILABLE });
    const secondReply = await c.next();
    expect(secondReply.header).toMatchObject({ seq: 1, ret: ResultCode.BACKEND_UNAVAILABLE });
    expect(hung.requests).toHaveLength(1);
  });

  it('no backend reachable: BACKEND_UNAVAILABLE; a down backend is not tried before retry_interval', async () => {
    const dead = await deadAddress();
    const { logger, lines } = captureLogs();
    const proxy = await proxyWith({ backends: [dead.address] }, { retryIntervalMs: 60_000, logger });
    const c = await client(proxy);
    expect((await c.request({ cmd: CMD, seq: 1 })).header.ret).toBe(ResultCode.BACKEND_UNAVAILABLE);
    // The backend comes back, but it is down for the next 60 s: nothing connects to it.
    const back = await backend(echo, dead.port);
    for (let seq = 2; seq <= 4; seq++) {
      expect((await c.request({ cmd: CMD, seq })).header.ret).toBe(ResultCode.BACKEND_UNAVAILABLE);
    }
    expect(back.accepted).toBe(0);
    // One line for the outage, not one per refused request.
    expect(lines.filter((l) => l.message.startsWith('no backend reachable'))).toHaveLength(1);
  });

  it('a backend that comes back is used again after retry_interval', async () => {
    const dead = await deadAddress();
    const live = await backend();
    const { logger, lines } = captureLogs();
    const proxy = await proxyWith({ backends: [dead.address, live.address] }, { retryIntervalMs: 100, logger });
    const c = await client(proxy);
    expect((await c.request({ cmd: CMD, seq: 1 })).header.ret).toBe(0);
    expect((await c.request({ cmd: CMD, seq: 2 })).header.ret).toBe(0);
    expect(live.requests).toHaveLength(2);
    const back = await backend(echo, dead.port);
    for (let seq = 3; back.requests.length === 0; seq++) {
      expect((await c.request({ cmd: CMD, seq })).header.ret).toBe(0);
      await sleep(20);
    }
    expect(lines.find((l) => l.message === 'backend reachable again')?.fields).toMatchObject({
      backend: dead.address,
    });
  });

  it('a single backend back after an outage: refusals end, and the end is logged with their count', async () => {
    const dead = await deadAddress();
    const { logger, lines } = captureLogs();
    const proxy = await proxyWith({ backends: [dead.address] }, { retryIntervalMs: 100, logger });
    const c = await client(proxy);
    expect((await c.request({ cmd: CMD, seq: 1 })).header.ret).toBe(ResultCode.BACKEND_UNAVAILABLE);
    await backend(echo, dead.port);
    let seq = 2;
    while ((await c.request({ cmd: CMD, seq })).header.ret !== 0) {
      seq++;
      await sleep(20);
    }
    const end = lines.find((l) => l.message === 'cmd served again');
    expect(end?.fields).toMatchObject({ cmd: CMD, refused: seq - 1 });
  });
});
