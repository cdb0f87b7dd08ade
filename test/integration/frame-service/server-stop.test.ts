/**
 * FrameServer#stop: refuses new connections at once, finishes the requests it started and
 * delivers their replies, answers nothing it had not started, and cuts off what outlives
 * stopTimeoutMs (aborting the handlers' signal).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '@pic-storage/frame-protocol';
import { FrameClient, FrameClientError, FrameServer, type FrameHandler } from '@pic-storage/frame-service';
import { RawFrameConn, deferred, waitFor } from './raw-frame-conn.js';

const SLOW = 1;
let server: FrameServer | undefined;
const conns: RawFrameConn[] = [];

afterEach(async () => {
  for (const conn of conns.splice(0)) conn.destroy();
  await server?.stop();
  server = undefined;
});

/** A server whose SLOW handler waits until released; `started` lists the seqs begun. */
async function slowServer(options: { maxInFlightPerConnection?: number; stopTimeoutMs?: number } = {}) {
  const release = deferred();
  const started: number[] = [];
  const aborted: number[] = [];
  const handler: FrameHandler = async ({ header, signal }) => {
    started.push(header.seq);
    signal.addEventListener('abort', () => aborted.push(header.seq));
    await release.promise;
    return { body: Buffer.from(`done ${header.seq}`) };
  };
  server = new FrameServer({ handlers: new Map([[SLOW, handler]]), port: 0, ...options });
  await server.start();
  return { server, started, aborted, release: () => release.resolve() };
}

async function open(port: number): Promise<RawFrameConn> {
  const conn = await RawFrameConn.open(port);
  conns.push(conn);
  return conn;
}

describe('FrameServer#stop', () => {
  it('finishes a slow request it started, delivers its reply, then closes the connection', async () => {
    const { server, started, release } = await slowServer();
    const { port } = server.address;
    const conn = await open(port);
    conn.send(SLOW, 1);
    await waitFor(() => started.length === 1, 'the request started');
    let stopped = false;
    const stopping = server.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([stopped, conn.isClosed, conn.frames.length]).toEqual([false, false, 0]);
    release();
    await stopping;
    await conn.waitClosed();
    expect(conn.frames.map((f) => [f.header.seq, f.header.ret, f.body.toString()])).toEqual([[1, 0, 'done 1']]);
  });

  it('refuses new connections from the moment it is called', async () => {
    const { server, started, release } = await slowServer();
    const { port } = server.address;
    const conn = await open(port);
    conn.send(SLOW, 1);
    await waitFor(() => started.length === 1, 'the request started');
    const stopping = server.stop();
    await expect(RawFrameConn.open(port)).rejects.toThrow(/ECONNREFUSED/);
    const client = new FrameClient({ host: '127.0.0.1', port });
    const err = await client.request(SLOW, Buffer.alloc(0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameClientError);
    expect([(err as FrameClientError).reason, (err as FrameClientError).sent]).toEqual(['connect', false]);
    await client.close();
    release();
    await stopping;
    expect(conn.frames).toHaveLength(1);
  });

  it('answers nothing it had received but not started; a FrameClient sees them fail as closed', async () => {
    const { server, started, release } = await slowServer({ maxInFlightPerConnection: 1 });
    const client = new FrameClient({ host: '127.0.0.1', port: server.address.port });
    const first = client.request(SLOW, Buffer.alloc(0));
    const second = client.request(SLOW, Buffer.alloc(0)).catch((e: unknown) => e);
    await waitFor(() => started.length === 1, 'the first request started');
    const stopping = server.stop();
    release();
    expect((await first).body.toString()).toBe('done 1');
    const err = (await second) as FrameClientError;
    expect(err).toBeInstanceOf(FrameClientError);
    expect([err.reason, err.sent]).toEqual(['closed', true]);
    await stopping;
    expect(started).toEqual([1]);
    await client.close();
  });

  it('closes idle connections at once (the client sees the end)', async () => {
    const { server } = await slowServer();
    const conn = await open(server.address.port);
    await waitFor(() => server.stats.connections === 1, 'the connection');
    await server.stop();
    await conn.waitClosed();
    expect(conn.frames).toHaveLength(0);
  });

  it('cuts off what still runs after stopTimeoutMs, aborting its signal; a second stop is the same stop', async () => {
    const { server, started, aborted } = await slowServer({ stopTimeoutMs: 200 });
    const conn = await open(server.address.port);
    conn.write(encodeFrame({ cmd: SLOW, id: 0, seq: 5 }));
    await waitFor(() => started.length === 1, 'the request started');
    const first = server.stop();
    expect(server.stop()).toBe(first);
    await first;
    await conn.waitClosed();
    expect(conn.frames).toHaveLength(0);
    expect(aborted).toEqual([5]);
  });
});
