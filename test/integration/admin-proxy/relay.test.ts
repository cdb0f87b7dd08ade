/**
 * admin_proxy relaying over real sockets: the client's own cmd, id and seq come back with the
 * backend's ret and body; pipelined requests are answered as their replies come; every client
 * shares one connection per backend (seqs remapped); unknown cmds, framing errors, the frame size
 * limit and a graceful stop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ResultCode } from '@pic-storage/frame-protocol';
import { AdminProxy } from '../../../apps/admin-proxy/src/admin-proxy.js';
import type { AdminProxyOptions } from '../../../apps/admin-proxy/src/proxy-options.js';
import { FakeBackend, TestClient, echo, sleep } from './frame-peers.js';

const CMD = 3005;
const running: { stop(): Promise<void> }[] = [];
const clients: TestClient[] = [];

async function proxyTo(backends: FakeBackend[], options: Partial<AdminProxyOptions> = {}): Promise<AdminProxy> {
  const proxy = new AdminProxy({
    host: '127.0.0.1',
    port: 0,
    routes: [{ cmd: CMD, backends: backends.map((b) => b.address) }],
    ...options,
  });
  await proxy.start();
  running.push(proxy);
  return proxy;
}

async function backend(...args: Parameters<typeof FakeBackend.start>): Promise<FakeBackend> {
  const b = await FakeBackend.start(...args);
  running.push({ stop: () => b.kill() });
  return b;
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

describe('admin_proxy relay', () => {
  it("keeps the client's cmd, id and seq, and relays the backend's ret and body untouched", async () => {
    const b = await backend(() => ({ ret: ResultCode.NOT_FOUND, body: Buffer.from('from the backend') }));
    const proxy = await proxyTo([b]);
    const c = await client(proxy);
    const body = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    const reply = await c.request({ cmd: CMD, id: 123456789, seq: 0xfffffff0 }, body);
    expect(reply.header).toMatchObject({ cmd: CMD, id: 123456789, seq: 0xfffffff0, ret: ResultCode.NOT_FOUND });
    expect(reply.body.toString()).toBe('from the backend');
    expect(reply.header.len).toBe(18 + 'from the backend'.length);
    // The backend got the same cmd, id and body; its seq is the proxy's own.
    expect(b.requests).toHaveLength(1);
    expect(b.requests[0]?.header).toMatchObject({ cmd: CMD, id: 123456789, ret: 0 });
    expect(b.requests[0]?.body).toEqual(body);
  });

  it('pipelined requests are answered as the backend finishes them, each with its own seq', async () => {
    // The body's first byte is the backend's delay in tens of ms.
    const b = await backend(async (request) => {
      await sleep((request.body[0] as number) * 10);
      return { body: request.body };
    });
    const proxy = await proxyTo([b]);
    const c = await client(proxy);
    c.send({ cmd: CMD, seq: 1 }, Buffer.from([40, 1]));
    c.send({ cmd: CMD, seq: 2 }, Buffer.from([20, 2]));
    c.send({ cmd: CMD, seq: 3 }, Buffer.from([0, 3]));
    const order = [];
    for (let i = 0; i < 3; i++) {
      const reply = await c.next();
      expect(reply.body[1]).toBe(reply.header.seq);
      order.push(reply.header.seq);
    }
    expect(order).toEqual([3, 2, 1]);
  });

  it('many clients using the same seqs share one backend connection, each gets its own replies', async () => {
    const b = await backend(async (request) => {
      await sleep(request.body.readUInt16LE(0) % 7);
      return { body: request.body };
    });
    const proxy = await proxyTo([b]);
    const all = await Promise.all(Array.from({ length: 20 }, () => client(proxy)));
    await Promise.all(
      all.map(async (c, k) => {
        // Every client numbers its requests 1..10; bodies say who sent what.
        const replies = await Promise.all(
          Array.from({ length: 10 }, (_, i) => {
            const body = Buffer.alloc(4);
            body.writeUInt16LE(k * 100 + i, 0);
            body.writeUInt16LE(k, 2);
            return c.request({ cmd: CMD, seq: i + 1, id: k }, body);
          }),
        );
        replies.forEach((reply, i) => {
          expect(reply.header).toMatchObject({ seq: i + 1, id: k, ret: 0 });
          expect(reply.body.readUInt16LE(0)).toBe(k * 100 + i);
        });
      }),
    );
    expect(b.requests).toHaveLength(200);
    expect(b.accepted).toBe(1);
    expect(new Set(b.requests.map((r) => r.header.seq)).size).toBe(200);
  });

  it('each backend address is one connection even when several cmds route to it', async () => {
    const b = await backend();
    const proxy = await proxyTo([], {
      routes: [
        { cmd: 4001, backends: [b.address] },
        { cmd: 4002, backends: [b.address] },
      ],
    });
    const c = await client(proxy);
    const replies = await Promise.all([1, 2, 3, 4].map((seq) => c.request({ cmd: 4000 + (seq % 2) + 1, seq })));
    expect(replies.map((r) => r.header.ret)).toEqual([0, 0, 0, 0]);
    expect(b.accepted).toBe(1);
  });

  it('backend_connections = 2: requests in flight are spread over two shared connections', async () => {
    const b = await backend(async (request) => {
      await sleep(20);
      return echo(request);
    });
    const proxy = await proxyTo([b], { backendConnections: 2 });
    const all = await Promise.all([1, 2, 3].map(() => client(proxy)));
    const replies = await Promise.all(all.flatMap((c) => [1, 2, 3, 4].map((seq) => c.request({ cmd: CMD, seq }))));
    expect(replies.every((r) => r.header.ret === 0)).toBe(true);
    expect(b.accepted).toBe(2);
  });

  it('an unknown cmd is UNKNOWN_CMD without touching a backend', async () => {
    const b = await backend();
    const proxy = await proxyTo([b]);
    const c = await client(proxy);
    const reply = await c.request({ cmd: 3006, seq: 9, id: 5 }, Buffer.from('x'));
    expect(reply.header).toMatchObject({ cmd: 3006, seq: 9, id: 5, ret: ResultCode.UNKNOWN_CMD, len: 18 });
    expect(b.accepted).toBe(0);
  });

  it('relays a frame of max_frame_length either way; a longer one closes only its client', async () => {
    const b = await backend();
    const proxy = await proxyTo([b], { maxFrameLength: 64 * 1024 });
    const c = await client(proxy);
    const big = Buffer.alloc(64 * 1024 - 18, 7);
    big.write('end', big.length - 3);
    const reply = await c.request({ cmd: CMD, seq: 1 }, big);
    expect(reply.header.ret).toBe(0);
    expect(reply.body.equals(big)).toBe(true);

    const other = await client(proxy);
    c.send({ cmd: CMD, seq: 2 }, Buffer.alloc(64 * 1024 - 17));
    await c.closed;
    expect((await other.request({ cmd: CMD, seq: 3 }, Buffer.from('still here'))).body.toString()).toBe('still here');
  });

  it('a framing error (len under 18) closes that client only', async () => {
    const b = await backend();
    const proxy = await proxyTo([b]);
    const bad = await client(proxy);
    const good = await client(proxy);
    const header = Buffer.alloc(18);
    header.writeUInt32LE(5, 0);
    bad.sendRaw(header);
    await bad.closed;
    const reply = await good.request({ cmd: CMD, seq: 1 }, Buffer.from('ok'));
    expect(reply.body.toString()).toBe('ok');
    expect(b.requests).toHaveLength(1);
  });

  it('stop: requests in flight get their replies, then connections and backend connections close', async () => {
    const b = await backend(async (request) => {
      await sleep(300);
      return echo(request);
    });
    const proxy = new AdminProxy({ host: '127.0.0.1', port: 0, routes: [{ cmd: CMD, backends: [b.address] }] });
    await proxy.start();
    running.push({ stop: () => b.kill() });
    const c = await client(proxy);
    const pending = c.request({ cmd: CMD, seq: 77 }, Buffer.from('finish me'));
    while (b.requests.length === 0) await sleep(5);
    const address = proxy.address;
    const stopped = proxy.stop();
    const reply = await pending;
    expect(reply.header).toMatchObject({ seq: 77, ret: 0 });
    expect(reply.body.toString()).toBe('finish me');
    await stopped;
    await c.closed;
    await expect(TestClient.connect(address)).rejects.toThrow(/ECONNREFUSED/);
    while (b.connections > 0) await sleep(5);
    expect(b.connections).toBe(0);
  });
});
