import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { Cmd, decodeHeader, encodeHeader, HEADER_SIZE } from 'fastdfs-protocol';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

/**
 * A connection from a chosen local address (127.0.0.2 is loopback too on Linux): enough of a
 * client to send ACTIVE_TEST and to tell when the server closed it.
 */
class Peer {
  private received = Buffer.alloc(0);
  private closedAt: number | null = null;
  private wake: (() => void) | null = null;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closedAt = Date.now();
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static open(address: { host: string; port: number }, localAddress = '127.0.0.1'): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.host, port: address.port, localAddress }, () => {
        socket.off('error', reject);
        resolve(new Peer(socket));
      });
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.closedAt !== null;
  }

  /** ACTIVE_TEST; resolves with the reply's status, rejects when the server closed first. */
  async activeTest(timeoutMs = 5000): Promise<number> {
    this.socket.write(encodeHeader(0, Cmd.ACTIVE_TEST));
    await this.until(() => this.received.length >= HEADER_SIZE || this.closed, timeoutMs);
    if (this.received.length < HEADER_SIZE) throw new Error('the server closed the connection');
    const header = decodeHeader(this.received.subarray(0, HEADER_SIZE));
    this.received = this.received.subarray(HEADER_SIZE);
    return header.status;
  }

  async closedWithin(timeoutMs: number): Promise<void> {
    await this.until(() => this.closed, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async until(cond: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('connection limits', () => {
  let server: EmbeddedFdfs | null = null;
  let base = '';
  const peers: Peer[] = [];

  async function start(extra: Parameters<typeof startEmbedded>[0]): Promise<EmbeddedFdfs> {
    ({ server, basePath: base } = await startEmbedded(extra));
    return server;
  }
  async function open(address: { host: string; port: number }, localAddress?: string): Promise<Peer> {
    const peer = await Peer.open(address, localAddress);
    peers.push(peer);
    return peer;
  }
  /** How many connections the listener holds, by remote address. */
  function held(s: EmbeddedFdfs, role: 'tracker' | 'storage'): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of s.connectionStats()) if (c.role === role) out[c.remoteAddress] = (out[c.remoteAddress] ?? 0) + 1;
    return out;
  }

  afterEach(async () => {
    for (const p of peers.splice(0)) p.destroy();
    await server?.stop();
    server = null;
    await removeDir(base);
  });

  it('closes the (N+1)th connection from one address while another address still gets in', async () => {
    const s = await start({ maxConnectionsPerAddress: 2, maxConnections: 50 });
    const first = [await open(s.trackerAddress), await open(s.trackerAddress)];
    for (const p of first) expect(await p.activeTest()).toBe(0);
    const third = await open(s.trackerAddress);
    await third.closedWithin(3000);
    expect(held(s, 'tracker')).toEqual({ '127.0.0.1': 2 });

    const other = await open(s.trackerAddress, '127.0.0.2');
    expect(await other.activeTest()).toBe(0);
    // The limit is per listener: the storage still takes this address's connections.
    const storage = await open(s.storageAddress);
    expect(await storage.activeTest()).toBe(0);
    // The ones already in are not disturbed, and a freed slot is taken again.
    expect(await first[0]!.activeTest()).toBe(0);
    first[1]!.destroy();
    await waitFor(() => held(s, 'tracker')['127.0.0.1'] === 1, 3000, 'the server to see the close');
    const again = await open(s.trackerAddress);
    expect(await again.activeTest()).toBe(0);
    expect(held(s, 'tracker')).toEqual({ '127.0.0.1': 2, '127.0.0.2': 1 });
  });

  it('under pressure closes idle connections after the short idle time, the most-held address first', async () => {
    // Pressure from 8 connections (80% of 10).
    const s = await start({ maxConnections: 10, pressureIdleTimeoutMs: 300, idleTimeoutMs: 60_000 });
    const a = [await open(s.storageAddress, '127.0.0.2'), await open(s.storageAddress, '127.0.0.2')];
    const b: Peer[] = [];
    for (let i = 0; i < 4; i++) b.push(await open(s.storageAddress));
    const worker = await open(s.storageAddress);
    let working = true;
    const work = (async () => {
      while (working) {
        expect(await worker.activeTest()).toBe(0);
        await sleep(30);
      }
    })();
    // 7 connections, below the pressure mark: idle ones stay well past the short idle time.
    await sleep(700);
    expect([...a, ...b].filter((p) => p.closed)).toEqual([]);

    // The 8th: the oldest idle connection of 127.0.0.1 (6 of the 8) goes, 127.0.0.2's older ones stay.
    b.push(await open(s.storageAddress));
    await b[0]!.closedWithin(3000);
    await sleep(700); // the listener is below the mark again: nothing else is closed, not even after 300 ms
    expect(b.map((p) => p.closed)).toEqual([true, false, false, false, false]);

    b.push(await open(s.storageAddress));
    await b[1]!.closedWithin(3000);
    // Another one from 127.0.0.2: 127.0.0.1 still holds the most (5 of 8), so it pays again.
    a.push(await open(s.storageAddress, '127.0.0.2'));
    await b[2]!.closedWithin(3000);
    await sleep(300);
    expect(a.map((p) => p.closed)).toEqual([false, false, false]);
    expect(b.map((p) => p.closed)).toEqual([true, true, true, false, false, false]);
    working = false;
    await work;
    expect(worker.closed).toBe(false);
    expect(held(s, 'storage')).toEqual({ '127.0.0.1': 4, '127.0.0.2': 3 });
  });

  it('a client holding every connection idle no longer locks the listener out', async () => {
    const s = await start({ maxConnections: 5, pressureIdleTimeoutMs: 200, idleTimeoutMs: 60_000 });
    const hog: Peer[] = [];
    for (let i = 0; i < 5; i++) hog.push(await open(s.trackerAddress));
    await waitFor(() => s.connectionStats().length >= 4, 3000, 'the connections to be accepted');
    // The idle ones go after 200 ms, down below the mark (4 of 5): then a newcomer gets in.
    await waitFor(() => hog.filter((p) => p.closed).length >= 2, 5000, 'idle connections to be closed');
    const late = await open(s.trackerAddress, '127.0.0.2');
    expect(await late.activeTest()).toBe(0);
    expect(s.connectionStats().length).toBeLessThan(5);
  });
});
