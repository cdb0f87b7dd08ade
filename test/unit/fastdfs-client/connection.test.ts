/**
 * Connection unit tests, over real loopback TCP: each test talks to a tiny scripted server
 * (node:net on 127.0.0.1, port 0) that records every byte it receives and lets the test write
 * arbitrary raw reply bytes, split however it wants, close, reset, or stay silent.
 *
 * The server sockets set noDelay and each part of a split reply is written only once the client
 * has seen the previous one (observed by wrapping the connection's read callback: its socket
 * reads into buffers it picks, with no 'data' events), so "split at offset N" really reaches the
 * Connection as two reads of N and rest bytes.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeHeader } from 'fastdfs-protocol';
import {
  ConnectError,
  ConnectionClosedError,
  ErrorCode,
  FdfsError,
  InvalidArgumentError,
  ProtocolError,
  StatusError,
  TimeoutError,
} from '../../../libs/fastdfs-client-ts/src/errors.js';
import {
  Connection,
  type ConnectionOptions,
  type ResponseStream,
} from '../../../libs/fastdfs-client-ts/src/net/connection.js';

const HOST = '127.0.0.1';
const RESP = 100;
const QUIT = 82;
const DEFAULT_OPTIONS: ConnectionOptions = { connectTimeout: 2_000, networkTimeout: 5_000 };

/** Polls `predicate` until it holds; fails the test with `what` after `timeoutMs`. */
async function waitFor(predicate: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(2);
  }
}

/** One accepted server-side socket: records what the client sent, writes what the test scripts. */
class Peer {
  private readonly chunks: Buffer[] = [];
  ended = false;
  closed = false;

  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    socket.on('end', () => {
      this.ended = true;
    });
    socket.on('close', () => {
      this.closed = true;
    });
    // A client that destroys its socket may reset ours; the tests look at `closed` instead.
    socket.on('error', () => undefined);
  }

  /** The client closed its side (FIN or reset); the server socket is half-open capable and stays up. */
  get clientGone(): boolean {
    return this.ended || this.closed;
  }

  /** Every byte received so far. */
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Waits until at least `n` bytes came in, and returns all of them. */
  async receive(n: number): Promise<Buffer> {
    await waitFor(() => this.received.length >= n, `${n} request bytes (have ${this.received.length})`);
    return this.received;
  }

  /** Writes raw bytes; resolves once they are handed to the kernel. */
  write(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Sends FIN (the server socket is half-open capable, so this is the only close it makes). */
  async end(): Promise<void> {
    this.socket.end();
    await waitFor(() => this.closed || this.socket.writableFinished, 'the peer to finish');
  }
}

class ScriptedServer {
  private readonly accepted: Peer[] = [];
  private readonly peers: Peer[] = [];
  private readonly waiting: Array<(peer: Peer) => void> = [];

  private constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      const peer = new Peer(socket);
      this.peers.push(peer);
      const waiter = this.waiting.shift();
      if (waiter === undefined) this.accepted.push(peer);
      else waiter(peer);
    });
  }

  static async start(): Promise<ScriptedServer> {
    const server = createServer({ allowHalfOpen: true });
    server.listen(0, HOST);
    await once(server, 'listening');
    return new ScriptedServer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  nextPeer(): Promise<Peer> {
    const peer = this.accepted.shift();
    if (peer !== undefined) return Promise.resolve(peer);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async close(): Promise<void> {
    for (const peer of this.peers) peer.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const servers: ScriptedServer[] = [];
const connections: Connection[] = [];

interface Opened {
  conn: Connection;
  peer: Peer;
  address: string;
}

/** A fresh server and a Connection to it. */
async function open(options: Partial<ConnectionOptions> = {}): Promise<Opened> {
  const server = await ScriptedServer.start();
  servers.push(server);
  const [conn, peer] = await Promise.all([
    Connection.connect({ host: HOST, port: server.port }, { ...DEFAULT_OPTIONS, ...options }),
    server.nextPeer(),
  ]);
  connections.push(conn);
  return { conn, peer, address: `${HOST}:${server.port}` };
}

afterEach(async () => {
  // Wait for every close so that no socket event of this test reaches the next one.
  await Promise.all(
    connections.splice(0).map((conn) => {
      const gone = closed(conn);
      conn.destroy();
      return gone;
    }),
  );
  await Promise.all(servers.splice(0).map((server) => server.close()));
  vi.restoreAllMocks();
});

/** A reply frame: header (cmd 100) + body. */
function reply(body: Buffer, status = 0): Buffer {
  return Buffer.concat([encodeHeader(body.length, RESP, status), body]);
}

/**
 * Read-only observation of the reads the client socket delivers: the socket reads into buffers
 * the connection picks (onread), so there are no 'data' events; the connection's read callback
 * is wrapped instead and the bytes of each read recorded.
 */
function clientChunks(conn: Connection): Buffer[] {
  const chunks: Buffer[] = [];
  const target = conn as unknown as { onRead: (n: number, buf: Uint8Array) => boolean };
  const onRead = target.onRead.bind(conn);
  target.onRead = (n, buf) => {
    chunks.push(Buffer.from(buf.subarray(0, n)));
    return onRead(n, buf);
  };
  return chunks;
}

const total = (chunks: Buffer[]): number => chunks.reduce((sum, chunk) => sum + chunk.length, 0);

/** Whether a promise has settled yet (its rejection, if any, is marked handled). */
function track(promise: Promise<unknown>): () => boolean {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return () => settled;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${String(value)}`),
    (err: unknown) => err,
  );
}

/** Resolves once the socket under `conn` has closed. */
function closed(conn: Connection): Promise<void> {
  return new Promise((resolve) => conn.onClose(resolve));
}

/** Collects a streamed reply chunk by chunk. */
async function collect(stream: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks;
}

/** 6 body bytes covering the edges of a byte: 16 bytes on the wire with the header. */
const BODY = Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]);
const WIRE = reply(BODY);

describe('Connection: the request on the wire', () => {
  it('sends header (int64 BE length, cmd, status 0) then the body', async () => {
    const { conn, peer } = await open();
    const body = Buffer.from('group1\0\0', 'latin1');
    const result = conn.request({ cmd: 101, operation: 'list one group', body, maxResponseBody: 1024 });
    expect(await peer.receive(18)).toEqual(Buffer.concat([Buffer.from('0000000000000008' + '65' + '00', 'hex'), body]));
    await peer.write(reply(Buffer.from('ok')));
    expect(await result).toEqual(Buffer.from('ok'));
    expect(peer.received.length).toBe(18);
  });

  it('sends the status byte given in the spec, and an empty body as a bare header', async () => {
    const { conn, peer } = await open();
    const result = conn.request({ cmd: 22, operation: 'query file info', status: 1, maxResponseBody: 64 });
    expect(await peer.receive(10)).toEqual(Buffer.from('0000000000000000' + '16' + '01', 'hex'));
    await peer.write(reply(Buffer.alloc(0)));
    expect(await result).toEqual(Buffer.alloc(0));
  });

  it('sends header + fixed body + the streamed content, the length counting both', async () => {
    const { conn, peer } = await open();
    const fixed = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x6a, 0x70, 0x67]);
    const content = [Buffer.from('hello '), Buffer.from('world')];
    const result = conn.request({
      cmd: 11,
      operation: 'upload',
      body: fixed,
      stream: { source: Readable.from(content), size: 11 },
      maxResponseBody: 1024,
    });
    const wire = await peer.receive(10 + 11 + 11);
    expect(wire).toEqual(Buffer.concat([Buffer.from('0000000000000016' + '0b' + '00', 'hex'), fixed, ...content]));
    await peer.write(reply(Buffer.from('group1/M00/00/00/x.jpg')));
    expect((await result).toString()).toBe('group1/M00/00/00/x.jpg');
    expect(peer.received.length).toBe(32);
    expect(conn.busy).toBe(false);
    expect(conn.broken).toBe(false);
  });

  it('sends in-memory content after the fixed body in one writev, the length counting both', async () => {
    const { conn, peer } = await open();
    const fixed = Buffer.from([0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x62, 0x69, 0x6e, 0, 0, 0]);
    const content = Buffer.from('hello');
    const socket = (conn as unknown as { socket: Socket }).socket;
    const writev = vi.spyOn(socket, '_writev');
    const write = vi.spyOn(socket, '_write');
    const result = conn.request({ cmd: 11, operation: 'upload', body: fixed, content, maxResponseBody: 1024 });
    const wire = await peer.receive(10 + 15 + 5);
    expect(wire).toEqual(Buffer.concat([Buffer.from('0000000000000014' + '0b' + '00', 'hex'), fixed, content]));
    // Header + fixed body, then the caller's own buffer (not a copy), handed over together.
    expect(write).not.toHaveBeenCalled();
    expect(writev).toHaveBeenCalledTimes(1);
    // Writable hands _writev the buffers themselves (allBuffers) or { chunk, encoding } entries.
    const entries = (writev.mock.calls[0]?.[0] ?? []) as Array<Buffer | { chunk: Buffer }>;
    const chunks = entries.map((e) => (Buffer.isBuffer(e) ? e : e.chunk));
    expect(chunks.map((c) => c.length)).toEqual([25, 5]);
    expect(chunks[1]).toBe(content);
    await peer.write(reply(Buffer.from('group1/M00/00/00/x.bin')));
    expect((await result).toString()).toBe('group1/M00/00/00/x.bin');
    expect(peer.received.length).toBe(30);
    expect(conn.busy).toBe(false);
  });

  it('sends a request without content as one write of header and body', async () => {
    const { conn, peer } = await open();
    const socket = (conn as unknown as { socket: Socket }).socket;
    const writev = vi.spyOn(socket, '_writev');
    const write = vi.spyOn(socket, '_write');
    const result = conn.request({ cmd: 102, operation: 'query fetch', body: Buffer.alloc(60, 1), maxResponseBody: 64 });
    expect((await peer.receive(70)).length).toBe(70);
    expect(writev).not.toHaveBeenCalled();
    expect(write).toHaveBeenCalledTimes(1);
    expect((write.mock.calls[0]?.[0] as Buffer).length).toBe(70);
    await peer.write(WIRE);
    expect(await result).toEqual(BODY);
  });

  it('streams 1 MiB from an async iterable in 16 KiB pieces, byte for byte', async () => {
    const { conn, peer } = await open();
    const content = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31 + (i >> 10)) & 0xff;
    async function* pieces(): AsyncGenerator<Buffer> {
      for (let at = 0; at < content.length; at += 16 * 1024) yield content.subarray(at, at + 16 * 1024);
    }
    const result = conn.request({
      cmd: 11,
      operation: 'upload',
      body: Buffer.from([7]),
      stream: { source: pieces(), size: content.length },
      maxResponseBody: 1024,
    });
    const wire = await peer.receive(10 + 1 + content.length);
    expect(wire.subarray(0, 11)).toEqual(Buffer.concat([encodeHeader(content.length + 1, 11, 0), Buffer.from([7])]));
    expect(wire.subarray(11).equals(content)).toBe(true);
    await peer.write(reply(Buffer.from('done')));
    expect(await result).toEqual(Buffer.from('done'));
  });

  it('rejects a stream that yields fewer bytes than declared with FDFS_ERR_INVALID_ARGUMENT', async () => {
    const { conn } = await open();
    const err = await rejection(
      conn.request({
        cmd: 11,
        operation: 'upload',
        stream: { source: Readable.from([Buffer.alloc(6, 1)]), size: 10 },
        maxResponseBody: 1024,
      }),
    );
    expect(err).toBeInstanceOf(FdfsError);
    expect(err).toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      message: 'upload: the stream ended after 6 of the declared 10 bytes',
    });
    expect(conn.broken).toBe(true);
    expect(conn.busy).toBe(false);
  });

  it('rejects a stream that yields more bytes than declared with FDFS_ERR_INVALID_ARGUMENT', async () => {
    const { conn, peer } = await open();
    const err = await rejection(
      conn.request({
        cmd: 11,
        operation: 'upload',
        maxResponseBody: 1024,
        stream: { source: Readable.from([Buffer.alloc(3, 1), Buffer.alloc(3, 2)]), size: 4 },
      }),
    );
    expect(err).toBeInstanceOf(FdfsError);
    expect(err).toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      message: 'upload: the stream yielded more than the declared 4 bytes',
    });
    expect(conn.broken).toBe(true);
    await waitFor(() => peer.clientGone, 'the client to close');
    // The chunk that overflowed the declared size never went out.
    expect(peer.received).toEqual(Buffer.concat([encodeHeader(4, 11, 0), Buffer.alloc(3, 1)]));
  });
});

describe('Connection: what a source stream yields', () => {
  it.each([
    ['a string', ['abc'], 'a string ("abc")'],
    ['a number', [42], 'a number (42)'],
    ['an object', [{ x: 1 }], 'an object'],
  ])('rejects a stream that yields %s with InvalidArgumentError, sending no content', async (_what, items, shown) => {
    const { conn, peer } = await open();
    const err = await rejection(
      conn.request({
        cmd: 11,
        operation: 'upload',
        maxResponseBody: 1024,
        stream: { source: Readable.from(items, { objectMode: true }) as Readable, size: 3 },
      }),
    );
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      message: `upload: the source stream yielded ${shown}, not a Buffer or Uint8Array`,
    });
    expect(conn.broken).toBe(true);
    await waitFor(() => peer.clientGone, 'the client to close');
    expect(peer.received).toEqual(encodeHeader(3, 11, 0));
  });

  it('accepts Uint8Array chunks that are not Buffers', async () => {
    const { conn, peer } = await open();
    const result = conn.request({
      cmd: 11,
      operation: 'upload',
      maxResponseBody: 1024,
      stream: { source: Readable.from([new Uint8Array([1, 2]), new Uint8Array([3])]), size: 3 },
    });
    await peer.receive(13);
    expect(peer.received.subarray(10)).toEqual(Buffer.from([1, 2, 3]));
    await peer.write(WIRE);
    expect(await result).toEqual(BODY);
  });
});

describe('Connection: reading a reply', () => {
  it('resolves with the body of a reply delivered in one chunk', async () => {
    const { conn, peer } = await open();
    const seen = clientChunks(conn);
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(10);
    await peer.write(WIRE);
    expect(await result).toEqual(BODY);
    expect(seen.map((chunk) => chunk.length)).toEqual([16]);
    expect(conn.busy).toBe(false);
    expect(conn.broken).toBe(false);
  });

  it.each(Array.from({ length: WIRE.length - 1 }, (_, i) => i + 1))(
    'resolves with the same body when the reply is split at byte offset %i',
    async (offset) => {
      const { conn, peer } = await open();
      const seen = clientChunks(conn);
      const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
      const settled = track(result);
      await peer.receive(10);
      await peer.write(WIRE.subarray(0, offset));
      await waitFor(() => total(seen) === offset, `the client to see the first ${offset} bytes`);
      expect(settled()).toBe(false);
      expect(conn.busy).toBe(true);
      await peer.write(WIRE.subarray(offset));
      expect(await result).toEqual(BODY);
      // The split really reached the Connection as two chunks.
      expect(seen.map((chunk) => chunk.length)).toEqual([offset, WIRE.length - offset]);
      expect(conn.busy).toBe(false);
      expect(conn.broken).toBe(false);
    },
  );

  it('resolves with the same body when the reply arrives one byte per chunk', async () => {
    const { conn, peer } = await open();
    const seen = clientChunks(conn);
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(10);
    for (let i = 0; i < WIRE.length; i++) {
      await peer.write(WIRE.subarray(i, i + 1));
      await waitFor(() => total(seen) === i + 1, `byte ${i}`);
    }
    expect(await result).toEqual(BODY);
    expect(seen.length).toBe(16);
  });

  it('reads a 1 MiB reply into one buffer of its size, then serves the next request', async () => {
    const { conn, peer } = await open();
    const seen = clientChunks(conn);
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 13 + (i >> 12)) & 0xff;
    const result = conn.request({ cmd: 14, operation: 'download', maxResponseBody: 2 * 1024 * 1024 });
    await peer.receive(10);
    await peer.write(reply(big));
    const body = await result;
    expect(body).toEqual(big);
    // One buffer of exactly the body's size (no view into a larger read buffer kept alive).
    expect(body.buffer.byteLength).toBe(big.length);
    expect(total(seen)).toBe(big.length + 10);
    const next = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(20);
    await peer.write(WIRE);
    expect(await next).toEqual(BODY);
  });

  it('serves several requests in a row on one connection', async () => {
    const { conn, peer } = await open();
    for (let i = 0; i < 3; i++) {
      const result = conn.request({ cmd: 22, operation: 'query', body: Buffer.from([i]), maxResponseBody: 64 });
      await peer.receive(11 * (i + 1));
      await peer.write(reply(Buffer.from(`reply ${i}`)));
      expect((await result).toString()).toBe(`reply ${i}`);
    }
    const requests = [0, 1, 2].map((i) => Buffer.concat([encodeHeader(1, 22), Buffer.of(i)]));
    expect(peer.received).toEqual(Buffer.concat(requests));
  });

  it('accepts a body of exactly maxResponseBody bytes', async () => {
    const { conn, peer } = await open();
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 6 });
    await peer.receive(10);
    await peer.write(WIRE);
    expect(await result).toEqual(BODY);
    expect(conn.broken).toBe(false);
  });

  it('rejects a non-zero status with StatusError (status, operation, address) and stays usable', async () => {
    const { conn, peer, address } = await open();
    const result = rejection(conn.request({ cmd: 22, operation: 'download', maxResponseBody: 64 }));
    await peer.receive(10);
    await peer.write(encodeHeader(0, RESP, 2));
    const err = await result;
    expect(err).toBeInstanceOf(StatusError);
    expect(err).toMatchObject({
      status: 2,
      operation: 'download',
      address,
      code: ErrorCode.NOT_FOUND,
      retriable: false,
      message: `download failed on ${address}: not found (ENOENT) (status 2)`,
    });
    expect(conn.broken).toBe(false);
    expect(conn.busy).toBe(false);

    const next = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(20);
    await peer.write(WIRE);
    expect(await next).toEqual(BODY);
  });

  it('consumes the body of an error reply before the next request', async () => {
    const { conn, peer, address } = await open();
    const result = rejection(conn.request({ cmd: 22, operation: 'delete', maxResponseBody: 64 }));
    await peer.receive(10);
    await peer.write(reply(Buffer.from('error text'), 22));
    expect(await result).toMatchObject({ status: 22, operation: 'delete', address });

    const next = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(20);
    await peer.write(WIRE);
    expect(await next).toEqual(BODY);
  });

  it('rejects a reply whose cmd is not 100 with ProtocolError and breaks the connection', async () => {
    const { conn, peer, address } = await open();
    const result = rejection(conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 }));
    await peer.receive(10);
    await peer.write(Buffer.concat([encodeHeader(6, 99, 0), BODY]));
    const err = await result;
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: ErrorCode.PROTOCOL, message: `${address}: reply cmd 99, expected 100` });
    expect(conn.broken).toBe(true);
    await closed(conn);
    expect(await rejection(conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 }))).toMatchObject({
      code: ErrorCode.CONNECTION_CLOSED,
      beforeReply: true,
    });
  });

  it('fails at once on 9 header bytes announcing length -1 (FastDFS 6.12, download 1 past the end)', async () => {
    // A long networkTimeout: waiting for the 10th byte that never comes would fail the test by its own timeout.
    const { conn, peer, address } = await open({ networkTimeout: 60_000 });
    const result = rejection(conn.request({ cmd: 14, operation: 'download', maxResponseBody: 64 }));
    await peer.receive(10);
    await peer.write(Buffer.from('ffffffffffffffff64', 'hex'));
    const err = await result;
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toBe(
      `${address}: download reply announces a negative body length ` +
        '(FastDFS before 6.15.4 does so for a download offset past the end of the file)',
    );
    expect(conn.broken).toBe(true);
    await waitFor(() => peer.clientGone, 'the client to close');
  });

  it.each([
    ['negative, split after its first byte', 'fffffffffffffffe640e', 1, 'a negative body length'],
    ['2^56 bytes', '0100000000000000640000', 10, 'a body of 2^56 bytes or more'],
  ])('fails at once on a header whose length is %s', async (_what, hex, split, shown) => {
    const { conn, peer, address } = await open({ networkTimeout: 60_000 });
    const stream = rejection(conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 64 }));
    await peer.receive(10);
    await peer.write(Buffer.from(hex, 'hex').subarray(0, split));
    const err = await stream;
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toContain(`${address}: download reply announces ${shown}`);
    expect(conn.broken).toBe(true);
  });

  it('a header of a length within the limits but in a later chunk is read as usual', async () => {
    const { conn, peer } = await open();
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(10);
    await peer.write(WIRE.subarray(0, 1));
    await delay(20);
    await peer.write(WIRE.subarray(1));
    expect(await result).toEqual(BODY);
    expect(conn.broken).toBe(false);
  });

  it('rejects a body over maxResponseBody with ProtocolError as soon as the header is in', async () => {
    const { conn, peer, address } = await open();
    const result = rejection(conn.request({ cmd: 22, operation: 'query', maxResponseBody: 100 }));
    await peer.receive(10);
    // Only the header: the 1000-byte body is never sent.
    await peer.write(encodeHeader(1000, RESP, 0));
    const err = await result;
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({
      code: ErrorCode.PROTOCOL,
      message: `${address}: query reply of 1000 bytes exceeds the 100-byte limit`,
    });
    expect(conn.broken).toBe(true);
    await waitFor(() => peer.clientGone, 'the client to close');
  });

  it('rejects an error-status reply to requestStream whose body is over maxResponseBody', async () => {
    const { conn, peer } = await open();
    const result = rejection(conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 16 }));
    await peer.receive(10);
    await peer.write(encodeHeader(17, RESP, 2));
    expect(await result).toBeInstanceOf(ProtocolError);
    expect(conn.broken).toBe(true);
  });
});

describe('Connection: bytes out of step', () => {
  /** Watches the private `fail` (what a Connection fails with); returns the first error `conn` failed with. */
  function spyFail(): (conn: Connection) => Error | undefined {
    const proto = Connection.prototype as unknown as { fail(err: Error): void };
    const spy = vi.spyOn(proto, 'fail');
    return (conn) => spy.mock.calls[spy.mock.contexts.indexOf(conn as unknown as { fail(err: Error): void })]?.[0];
  }

  it('breaks the connection on a partial header after the reply in the same chunk', async () => {
    const firstFailure = spyFail();
    const { conn, peer, address } = await open();
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(10);
    await peer.write(Buffer.concat([WIRE, Buffer.from([0, 0, 0])]));
    // The reply itself was whole: the request settles with it; the stray bytes break the connection.
    expect(await result).toEqual(BODY);
    expect(conn.broken).toBe(true);
    await closed(conn);
    const first = firstFailure(conn);
    expect(first).toBeInstanceOf(ProtocolError);
    expect(first?.message).toBe(`${address} sent bytes past the end of the reply`);
  });

  it('breaks the connection on a second whole reply in the same chunk', async () => {
    const firstFailure = spyFail();
    const { conn, peer, address } = await open();
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(10);
    await peer.write(Buffer.concat([WIRE, WIRE]));
    expect(await result).toEqual(BODY);
    expect(conn.broken).toBe(true);
    await closed(conn);
    const first = firstFailure(conn);
    expect(first).toBeInstanceOf(ProtocolError);
    expect(first?.message).toBe(`${address} sent a reply with no request in flight`);
    expect(await rejection(conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 }))).toBeInstanceOf(
      ConnectionClosedError,
    );
  });

  it('breaks an idle connection that receives a whole frame with no request in flight', async () => {
    const { conn, peer } = await open();
    const gone = closed(conn);
    await peer.write(WIRE);
    await gone;
    expect(conn.broken).toBe(true);
    expect(conn.busy).toBe(false);
    await waitFor(() => peer.clientGone, 'the client to close');
    expect(peer.received.length).toBe(0);
  });

  it('breaks an idle connection that receives a few bytes with no request in flight', async () => {
    const { conn, peer } = await open();
    const gone = closed(conn);
    await peer.write(Buffer.from([0, 0, 0]));
    await gone;
    expect(conn.broken).toBe(true);
  });

  it('breaks an idle connection that receives bytes after a completed request', async () => {
    const { conn, peer } = await open();
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(10);
    await peer.write(WIRE);
    expect(await result).toEqual(BODY);
    expect(conn.broken).toBe(false);
    const gone = closed(conn);
    await peer.write(encodeHeader(0, RESP, 0));
    await gone;
    expect(conn.broken).toBe(true);
  });
});

describe('Connection: close, reset and silence', () => {
  it('rejects with ConnectionClosedError beforeReply=true when the peer closes before any reply byte', async () => {
    const { conn, peer, address } = await open();
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    const outcome = rejection(result);
    await peer.receive(10);
    await peer.end();
    const err = await outcome;
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err).toMatchObject({
      code: ErrorCode.CONNECTION_CLOSED,
      address,
      beforeReply: true,
      retriable: true,
      message: `connection to ${address} closed before the reply`,
    });
    expect(conn.broken).toBe(true);
    expect(conn.busy).toBe(false);
  });

  it('rejects with ConnectionClosedError beforeReply=true (cause ECONNRESET) on a reset', async () => {
    const { conn, peer, address } = await open();
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    const outcome = rejection(result);
    await peer.receive(10);
    peer.socket.resetAndDestroy();
    const err = await outcome;
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err).toMatchObject({
      address,
      beforeReply: true,
      message: `connection to ${address} closed before the reply: ECONNRESET`,
    });
    expect(conn.broken).toBe(true);
  });

  it.each([
    ['half a header', WIRE.subarray(0, 5)],
    ['the header and half the body', WIRE.subarray(0, 13)],
  ])('rejects with ConnectionClosedError beforeReply=false when the peer closes after %s', async (_, part) => {
    const { conn, peer, address } = await open();
    const seen = clientChunks(conn);
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    const outcome = rejection(result);
    await peer.receive(10);
    await peer.write(part);
    await waitFor(() => total(seen) === part.length, 'the partial reply');
    await peer.end();
    const err = await outcome;
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err).toMatchObject({
      address,
      beforeReply: false,
      message: `connection to ${address} closed in the middle of the reply`,
    });
    expect(conn.broken).toBe(true);
  });

  it('rejects with TimeoutError FDFS_ERR_NETWORK_TIMEOUT after networkTimeout of silence', async () => {
    const { conn, peer, address } = await open({ networkTimeout: 100 });
    const started = Date.now();
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    const outcome = rejection(result);
    await peer.receive(10);
    const err = await outcome;
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({
      code: ErrorCode.NETWORK_TIMEOUT,
      retriable: true,
      message: `no data from ${address} for 100 ms`,
    });
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(2_000);
    expect(conn.broken).toBe(true);
    await waitFor(() => peer.clientGone, 'the client to close');
  });

  it('restarts the timeout on each chunk: a slow but steady reply succeeds', async () => {
    const { conn, peer } = await open({ networkTimeout: 300 });
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(10);
    // 3 × 150 ms: the whole reply takes longer than networkTimeout, no gap does.
    for (const part of [WIRE.subarray(0, 6), WIRE.subarray(6, 12), WIRE.subarray(12)]) {
      await delay(150);
      await peer.write(part);
    }
    expect(await result).toEqual(BODY);
    expect(conn.broken).toBe(false);
  });

  it('does not time out while idle between requests', async () => {
    const { conn, peer } = await open({ networkTimeout: 200 });
    const first = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(10);
    await peer.write(WIRE);
    expect(await first).toEqual(BODY);
    await delay(500);
    expect(conn.broken).toBe(false);
    const second = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(20);
    await peer.write(WIRE);
    expect(await second).toEqual(BODY);
  });

  it('times out a request sent after the connection sat idle longer than networkTimeout', async () => {
    // One timer per connection: it fired (harmlessly) while idle and must wake for the next request.
    const { conn, peer } = await open({ networkTimeout: 150 });
    const first = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(10);
    await peer.write(WIRE);
    expect(await first).toEqual(BODY);
    await delay(400);
    expect(conn.broken).toBe(false);
    const started = Date.now();
    const err = await rejection(conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 }));
    expect(err).toMatchObject({ code: ErrorCode.NETWORK_TIMEOUT });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(conn.broken).toBe(true);
  });

  it('rejects a request after destroy() (ConnectionClosedError beforeReply=true) and sends nothing', async () => {
    const { conn, peer, address } = await open();
    conn.destroy();
    const err = await rejection(conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 }));
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err).toMatchObject({ address, beforeReply: true });
    await waitFor(() => peer.clientGone, 'the client to close');
    expect(peer.received.length).toBe(0);
  });
});

describe('Connection: busy', () => {
  it('is busy while a request is in flight and not after', async () => {
    const { conn, peer } = await open();
    expect(conn.busy).toBe(false);
    const result = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    expect(conn.busy).toBe(true);
    await peer.receive(10);
    expect(conn.busy).toBe(true);
    await peer.write(WIRE.subarray(0, 12));
    await delay(20);
    expect(conn.busy).toBe(true);
    await peer.write(WIRE.subarray(12));
    expect(await result).toEqual(BODY);
    expect(conn.busy).toBe(false);
  });

  it('is not busy after a request fails with a status', async () => {
    const { conn, peer } = await open();
    const result = rejection(conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 }));
    await peer.receive(10);
    await peer.write(encodeHeader(0, RESP, 17));
    expect(await result).toMatchObject({ status: 17, code: ErrorCode.ALREADY_EXISTS });
    expect(conn.busy).toBe(false);
  });

  it('rejects a second request while busy without sending it; the first completes', async () => {
    const { conn, peer, address } = await open();
    const first = conn.request({ cmd: 22, operation: 'query', body: Buffer.from([1]), maxResponseBody: 64 });
    expect(conn.busy).toBe(true);
    const refused = await Promise.all([
      rejection(conn.request({ cmd: 23, operation: 'other', body: Buffer.from([2]), maxResponseBody: 64 })),
      rejection(conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 64 })),
    ]);
    for (const err of refused) {
      expect(err).toBeInstanceOf(FdfsError);
      expect(err).toMatchObject({ code: ErrorCode.PROTOCOL, message: `connection to ${address} is already busy` });
    }
    expect(conn.broken).toBe(false);
    await peer.receive(11);
    await peer.write(WIRE);
    expect(await first).toEqual(BODY);
    expect(peer.received).toEqual(Buffer.concat([encodeHeader(1, 22), Buffer.from([1])]));
    expect(conn.busy).toBe(false);
  });
});

describe('Connection: streamed replies (requestStream)', () => {
  it('delivers exactly the body in chunks, contentLength from the header, then serves another request', async () => {
    const { conn, peer } = await open();
    const body = Buffer.from('0123456789abcdefghij');
    const pending = conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 4 });
    expect(conn.busy).toBe(true);
    expect(await peer.receive(10)).toEqual(encodeHeader(0, 14));
    await peer.write(Buffer.concat([encodeHeader(body.length, RESP, 0), body.subarray(0, 7)]));
    const stream: ResponseStream = await pending;
    expect(stream.contentLength).toBe(20);
    expect(conn.busy).toBe(true);

    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = once(stream, 'end');
    await waitFor(() => chunks.length === 1, 'the first body chunk');
    await peer.write(body.subarray(7, 15));
    await waitFor(() => chunks.length === 2, 'the second body chunk');
    expect(conn.busy).toBe(true);
    await peer.write(body.subarray(15));
    await ended;
    expect(chunks.map((chunk) => chunk.toString())).toEqual(['0123456', '789abcde', 'fghij']);
    expect(conn.busy).toBe(false);
    expect(conn.broken).toBe(false);

    const next = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(20);
    await peer.write(WIRE);
    expect(await next).toEqual(BODY);
  });

  it('delivers a reply that came in one chunk with its header', async () => {
    const { conn, peer } = await open();
    const pending = conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 0 });
    await peer.receive(10);
    await peer.write(WIRE);
    const stream = await pending;
    expect(stream.contentLength).toBe(6);
    expect(Buffer.concat(await collect(stream))).toEqual(BODY);
    expect(conn.busy).toBe(false);
    expect(conn.broken).toBe(false);
  });

  it('delivers an empty body as an empty stream', async () => {
    const { conn, peer } = await open();
    const pending = conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 0 });
    await peer.receive(10);
    await peer.write(encodeHeader(0, RESP, 0));
    const stream = await pending;
    expect(stream.contentLength).toBe(0);
    expect(await collect(stream)).toEqual([]);
    expect(conn.busy).toBe(false);
  });

  it('delivers 2 MiB written at once to a consumer that keeps up', async () => {
    const { conn, peer } = await open();
    const body = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >> 12)) & 0xff;
    const pending = conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 0 });
    await peer.receive(10);
    const writing = peer.write(reply(body));
    const stream = await pending;
    expect(stream.contentLength).toBe(body.length);
    const received = Buffer.concat(await collect(stream));
    await writing;
    expect(received.equals(body)).toBe(true);
    expect(conn.busy).toBe(false);
    expect(conn.broken).toBe(false);
  });

  it('reads the next reply after a streamed one whose last chunk filled the stream (socket resumed)', async () => {
    const { conn, peer } = await open({ networkTimeout: 500 });
    const pending = conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 0 });
    await peer.receive(10);
    await peer.write(reply(Buffer.alloc(2 * 65536 - 10, 0x61)));
    const stream = await pending;
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the stream fill before reading
    expect(total(await collect(stream))).toBe(2 * 65536 - 10);
    expect(conn.busy).toBe(false);
    const next = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(10);
    await peer.write(WIRE);
    expect(await next).toEqual(BODY);
  });

  it('rejects with StatusError (no stream) when the reply has an error status', async () => {
    const { conn, peer, address } = await open();
    const pending = rejection(conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 64 }));
    await peer.receive(10);
    await peer.write(reply(Buffer.from('gone'), 2));
    const err = await pending;
    expect(err).toBeInstanceOf(StatusError);
    expect(err).toMatchObject({ status: 2, operation: 'download', address, code: ErrorCode.NOT_FOUND });
    expect(conn.busy).toBe(false);
    expect(conn.broken).toBe(false);

    const next = conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 });
    await peer.receive(20);
    await peer.write(WIRE);
    expect(await next).toEqual(BODY);
  });

  it('destroys the connection when the stream is destroyed before its end', async () => {
    const { conn, peer } = await open();
    const pending = conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 0 });
    await peer.receive(10);
    await peer.write(Buffer.concat([encodeHeader(100, RESP, 0), Buffer.alloc(10, 0x61)]));
    const stream = await pending;
    expect(stream.contentLength).toBe(100);
    const [first] = (await once(stream, 'data')) as [Buffer];
    expect(first).toEqual(Buffer.alloc(10, 0x61));
    const gone = closed(conn);
    stream.destroy();
    expect(conn.broken).toBe(true);
    expect(conn.busy).toBe(false);
    await gone;
    await waitFor(() => peer.clientGone, 'the client to close');
    expect(await rejection(conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 }))).toBeInstanceOf(
      ConnectionClosedError,
    );
  });

  it('errors the stream with ConnectionClosedError beforeReply=false when the peer closes mid-body', async () => {
    const { conn, peer, address } = await open();
    const pending = conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 0 });
    await peer.receive(10);
    await peer.write(Buffer.concat([encodeHeader(100, RESP, 0), Buffer.alloc(10, 0x62)]));
    const stream = await pending;
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const failed = once(stream, 'error') as Promise<[Error]>;
    await waitFor(() => chunks.length === 1, 'the first body chunk');
    await peer.end();
    const [err] = await failed;
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err).toMatchObject({ address, beforeReply: false });
    expect(Buffer.concat(chunks)).toEqual(Buffer.alloc(10, 0x62));
    expect(conn.broken).toBe(true);
  });

  it('errors the stream with TimeoutError when the body stalls', async () => {
    const { conn, peer } = await open({ networkTimeout: 100 });
    const pending = conn.requestStream({ cmd: 14, operation: 'download', maxResponseBody: 0 });
    await peer.receive(10);
    await peer.write(Buffer.concat([encodeHeader(100, RESP, 0), Buffer.alloc(10)]));
    const stream = await pending;
    stream.resume();
    const [err] = (await once(stream, 'error')) as [Error];
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: ErrorCode.NETWORK_TIMEOUT });
    expect(conn.broken).toBe(true);
  });
});

describe('Connection.connect and quit', () => {
  it('rejects with ConnectError when nothing listens on the port', async () => {
    const probe = createServer();
    probe.listen(0, HOST);
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const err = await rejection(Connection.connect({ host: HOST, port }, DEFAULT_OPTIONS));
    expect(err).toBeInstanceOf(ConnectError);
    expect(err).toMatchObject({
      code: ErrorCode.CONNECT,
      address: `${HOST}:${port}`,
      retriable: true,
      message: `cannot connect to ${HOST}:${port}: ECONNREFUSED`,
    });
  });

  it('resolves with the address as host:port', async () => {
    const { conn, address } = await open();
    expect(conn.address).toBe(address);
    expect(conn.broken).toBe(false);
    expect(conn.busy).toBe(false);
  });

  it('quit() sends a bare header with cmd 82 and closes when the server closes', async () => {
    const { conn, peer } = await open();
    const gone = closed(conn);
    conn.quit();
    expect(conn.broken).toBe(true);
    await waitFor(() => peer.ended, 'the FIN after QUIT');
    expect(peer.received).toEqual(Buffer.from('0000000000000000' + '52' + '00', 'hex'));
    expect(peer.received).toEqual(encodeHeader(0, QUIT, 0));
    await peer.end();
    await gone;
    expect(await rejection(conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 }))).toMatchObject({
      code: ErrorCode.CONNECTION_CLOSED,
      beforeReply: true,
    });
  });

  it('quit() closes by itself after networkTimeout when the server never closes', async () => {
    const { conn, peer } = await open({ networkTimeout: 100 });
    const started = Date.now();
    const gone = closed(conn);
    conn.quit();
    await waitFor(() => peer.ended, 'the FIN after QUIT');
    await gone;
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(peer.received).toEqual(encodeHeader(0, QUIT, 0));
    await waitFor(() => peer.clientGone, 'the client to close');
  });

  it('quit() on a broken connection only destroys it, sending nothing', async () => {
    const { conn, peer } = await open();
    const result = rejection(conn.request({ cmd: 22, operation: 'query', maxResponseBody: 64 }));
    await peer.receive(10);
    await peer.write(encodeHeader(0, 7, 0));
    expect(await result).toBeInstanceOf(ProtocolError);
    conn.quit();
    await closed(conn);
    await waitFor(() => peer.clientGone, 'the client to close');
    expect(peer.received).toEqual(encodeHeader(0, 22, 0));
  });
});
