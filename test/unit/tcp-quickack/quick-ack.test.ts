import { existsSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

/*
 * The mechanism, not a speed: Linux reports through getsockopt(TCP_QUICKACK) whether a socket
 * ACKs at once (1) or delays its ACKs (0, "pingpong" mode, entered when it answers a request).
 * A server that answers every request enters pingpong mode on every exchange; quickAck() must
 * take it out after each read, and must do nothing when the addon is off.
 */

type QuickAckModule = typeof import('@pic-storage/tcp-quickack');

const ADDON = fileURLToPath(new URL('../../../libs/tcp-quickack/build/Release/tcp_quickack.node', import.meta.url));
const addonBuilt = process.platform === 'linux' && existsSync(ADDON);
const ROUNDS = 20;

/** The package as it loads with PIC_TCP_QUICKACK set to `setting` (undefined: unset). */
async function loadWith(setting: string | undefined): Promise<QuickAckModule> {
  vi.resetModules();
  vi.stubEnv('PIC_TCP_QUICKACK', setting);
  return import('@pic-storage/tcp-quickack');
}

interface ReadSample {
  /** The server socket's quick-ACK state when a request arrived, and right after quickAck(). */
  before: boolean | undefined;
  after: boolean | undefined;
}

/**
 * A request/reply server that calls `m.quickAck` on every read and answers at once (which puts
 * its socket in pingpong mode), and a client that sends ROUNDS small requests one at a time.
 */
async function pingPong(m: QuickAckModule): Promise<ReadSample[]> {
  const samples: ReadSample[] = [];
  const server: Server = createServer((socket) => {
    socket.on('data', (chunk) => {
      const before = m.quickAckState(socket);
      m.quickAck(socket);
      samples.push({ before, after: m.quickAckState(socket) });
      socket.write(chunk); // the reply: one byte per byte received
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
    for (let i = 0; i < ROUNDS; i += 1) {
      const request = Buffer.alloc(25, i);
      const replied = new Promise<void>((resolve, reject) => {
        let got = 0;
        const onData = (chunk: Buffer): void => {
          got += chunk.length;
          if (got < request.length) return;
          client.off('data', onData);
          resolve();
        };
        client.on('data', onData);
        setTimeout(() => reject(new Error(`no reply to request ${i} within 10 s`)), 10_000).unref();
      });
      client.write(request);
      await replied;
    }
  } finally {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return samples;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('tcp-quickack', () => {
  it.runIf(addonBuilt)('loads the addon that node-gyp built', async () => {
    const m = await loadWith(undefined);
    expect(m.quickAckUnavailableReason).toBeUndefined();
    expect(m.quickAckAvailable).toBe(true);
  });

  it.runIf(addonBuilt)('takes the socket out of delayed-ACK mode after every read', async () => {
    const samples = await pingPong(await loadWith(undefined));
    expect(samples.length).toBeGreaterThanOrEqual(ROUNDS);
    // The kernel did delay ACKs before quickAck() (else this test shows nothing)...
    expect(samples.filter((s) => s.before === false).length).toBeGreaterThan(0);
    // ...and after it, every read left the socket ACKing at once.
    expect(samples.map((s) => s.after)).toEqual(samples.map(() => true));
  });

  it.runIf(addonBuilt)('does nothing with PIC_TCP_QUICKACK=0: the socket keeps delaying ACKs', async () => {
    const m = await loadWith('0');
    expect(m.quickAckAvailable).toBe(false);
    expect(m.quickAckUnavailableReason).toBe('disabled by PIC_TCP_QUICKACK=0');
    const samples = await pingPong(m);
    expect(samples.length).toBeGreaterThanOrEqual(ROUNDS);
    // The state stays readable, and quickAck() changed it on no read.
    expect(samples.every((s) => s.after !== undefined && s.after === s.before)).toBe(true);
    expect(samples.filter((s) => s.after === false).length).toBeGreaterThan(0);
  });

  it('accepts only 0 or 1 in PIC_TCP_QUICKACK, and says so', async () => {
    await expect(loadWith('yes')).rejects.toThrow('PIC_TCP_QUICKACK must be 0 (off) or 1 (on, the default), got "yes"');
    await expect(loadWith('1')).resolves.toHaveProperty('quickAckAvailable', addonBuilt);
    await expect(loadWith('')).resolves.toHaveProperty('quickAckAvailable', addonBuilt);
  });

  it('is a no-op on a socket without a descriptor (never connected, or closed)', async () => {
    const m = await loadWith(undefined);
    const unconnected = new Socket();
    expect(() => m.quickAck(unconnected)).not.toThrow();
    expect(m.quickAckState(unconnected)).toBeUndefined();
    const server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', resolve));
    if (addonBuilt) expect(typeof m.quickAckState(client)).toBe('boolean'); // readable while connected
    client.destroy();
    expect(() => m.quickAck(client)).not.toThrow();
    expect(m.quickAckState(client)).toBeUndefined();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.runIf(!addonBuilt)('falls back to a no-op where the addon was not built', async () => {
    const m = await loadWith(undefined);
    expect(m.quickAckAvailable).toBe(false);
    expect(m.quickAckUnavailableReason).toMatch(/did not load|does not exist/);
  });
});
