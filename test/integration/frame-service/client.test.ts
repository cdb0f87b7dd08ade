/**
 * FrameClient over real sockets: pipelining with responses matched by seq, timeouts (late
 * responses dropped), protocol errors from a server out of step, reconnect, connect failures
 * (sent: false), the in-flight bound, and close.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameReader } from '@pic-storage/framing';
import { FRAME_FORMAT, encodeFrame, type FrameHeader } from '@pic-storage/frame-protocol';
import {
  FrameClient,
  FrameClientError,
  FrameServer,
  type FrameClientOptions,
  type FrameHandler,
} from '@pic-storage/frame-service';
import { deferred, waitFor } from './raw-frame-conn.js';

const ECHO = 1;
const GATED = 2;

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function frameServer(handlers: [number, FrameHandler][], port = 0): Promise<FrameServer> {
  const server = new FrameServer({ handlers: new Map(handlers), port });
  await server.start();
  cleanup.push(() => server.stop());
  return server;
}

function client(port: number, options: Partial<FrameClientOptions> = {}): FrameClient {
  const c = new FrameClient({ host: '127.0.0.1', port, ...options });
  cleanup.push(() => c.close());
  return c;
}

/** A server of raw replies: `answer` gets each request header and returns the bytes sent back. */
async function rawServer(answer: (header: FrameHeader, socket: Socket) => Buffer | undefined): Promise<number> {
  const server: Server = createServer((socket) => {
    const reader = new FrameReader(FRAME_FORMAT, { maxBody: 1 << 20 });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        if (event.type !== 'frame') continue;
        const bytes = answer(event.header, socket);
        if (bytes !== undefined) socket.write(bytes);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  cleanup.push(() => void server.emit('close-all'));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return address.port;
}

async function failure(promise: Promise<unknown>): Promise<FrameClientError> {
  const err = await promise.then(
    () => expect.fail('expected the request to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FrameClientError);
  return err as FrameClientError;
}

/** A header alone, announcing `len`. */
function lyingHeader(len: number): Buffer {
  const header = Buffer.alloc(18);
  header.writeUInt32LE(len, 0);
  return header;
}

function gate() {
  const gates = new Map<number, ReturnType<typeof deferred<void>>>();
  const at = (seq: number) => {
    let entry = gates.get(seq);
    if (entry === undefined) gates.set(seq, (entry = deferred()));
    return entry;
  };
  const handler: [number, FrameHandler] = [
    GATED,
    async ({ header, body }) => {
      await at(header.seq).promise;
      return { body };
    },
  ];
  return { handler, release: (seq: number) => at(seq).resolve() };
}

const echo: [number, FrameHandler] = [ECHO, ({ header, body }) => ({ ret: header.id, body })];

describe('FrameClient', () => {
  it('pipelines requests on one connection; responses in any order reach their own request', async () => {
    const { handler, release } = gate();
    const server = await frameServer([handler]);
    const c = client(server.address.port);
    const requests = [1, 2, 3, 4].map((i) => c.request(GATED, Buffer.from(`body ${i}`)));
    await waitFor(() => server.stats.inFlight === 4, 'four requests in flight');
    for (const seq of [4, 2, 3, 1]) release(seq);
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.body.toString())).toEqual(['body 1', 'body 2', 'body 3', 'body 4']);
    expect(responses.map((r) => r.header.seq)).toEqual([1, 2, 3, 4]);
    expect(c.stats).toMatchObject({ connects: 1, inFlight: 0, connected: true });
    expect(server.stats.connections).toBe(1);
  });

  it('resolves with any ret (a result, not a failure), echoing the id', async () => {
    const server = await frameServer([echo]);
    const response = await client(server.address.port).request(ECHO, Buffer.from('x'), { id: 1011 });
    expect([response.ret, response.header.id, response.header.cmd, response.body.toString()]).toEqual([
      1011,
      1011,
      ECHO,
      'x',
    ]);
  });

  it('times out a request (sent: true); its late response is dropped and the connection goes on', async () => {
    const { handler, release } = gate();
    const server = await frameServer([handler, echo]);
    const c = client(server.address.port);
    const err = await failure(c.request(GATED, Buffer.from('slow'), { timeoutMs: 100 }));
    expect([err.reason, err.sent]).toEqual(['timeout', true]);
    expect(err.message).toMatch(/no response from 127\.0\.0\.1:\d+ in 100 ms/);
    release(1);
    await waitFor(() => c.stats.lateResponses === 1, 'the late response');
    expect((await c.request(ECHO, Buffer.from('next'))).body.toString()).toBe('next');
    expect(c.stats).toMatchObject({ connects: 1, timeouts: 1, lateResponses: 1 });
  });

  it.each([
    ['a seq no request has', (h: FrameHeader) => encodeFrame({ cmd: h.cmd, id: 0, seq: h.seq + 1000 })],
    ['a cmd other than the request', (h: FrameHeader) => encodeFrame({ cmd: h.cmd + 1, id: 0, seq: h.seq })],
    ['a len under 18', () => lyingHeader(5)],
    ['a len over maxFrameLength', () => lyingHeader(0x7fffffff)],
  ])('a response with %s is a protocol error; the next request reconnects', async (_what, reply) => {
    let served = 0;
    const port = await rawServer((header) =>
      served++ === 0 ? reply(header) : encodeFrame({ cmd: header.cmd, id: 0, seq: header.seq }),
    );
    const c = client(port);
    const err = await failure(c.request(ECHO, Buffer.alloc(0)));
    expect([err.reason, err.sent]).toEqual(['protocol', true]);
    expect(err.message).toMatch(/^bad response from 127\.0\.0\.1:\d+: /);
    expect((await c.request(ECHO, Buffer.alloc(0))).ret).toBe(0);
    expect(c.stats.connects).toBe(2);
  });

  it('a protocol error fails every request on that connection', async () => {
    const port = await rawServer((header) => (header.seq === 3 ? encodeFrame({ cmd: 1, id: 0, seq: 77 }) : undefined));
    const c = client(port);
    const failures = [1, 2, 3].map(() => failure(c.request(ECHO, Buffer.alloc(0))));
    const errors = await Promise.all(failures);
    expect(errors.map((e) => e.reason)).toEqual(['protocol', 'protocol', 'protocol']);
    expect(c.inFlight).toBe(0);
  });

  it('the server closing the connection fails its requests (closed, sent: true)', async () => {
    const port = await rawServer((_header, socket) => void socket.destroy());
    const err = await failure(client(port).request(ECHO, Buffer.alloc(0)));
    expect([err.reason, err.sent]).toEqual(['closed', true]);
  });

  it('reconnects after the server restarts on the same port', async () => {
    const first = await frameServer([echo]);
    const { port } = first.address;
    const c = client(port);
    expect((await c.request(ECHO, Buffer.from('one'))).body.toString()).toBe('one');
    await first.stop();
    await waitFor(() => !c.stats.connected, 'the client to see the close');
    const err = await failure(c.request(ECHO, Buffer.alloc(0)));
    expect([err.reason, err.sent]).toEqual(['connect', false]);
    await frameServer([echo], port);
    expect((await c.request(ECHO, Buffer.from('two'))).body.toString()).toBe('two');
    expect(c.stats.connects).toBe(2);
  });

  it('a refused connection fails every waiting request with reason connect, sent: false', async () => {
    const server = await frameServer([echo]);
    const { port } = server.address;
    await server.stop();
    const c = client(port);
    const errors = await Promise.all([1, 2, 3].map(() => failure(c.request(ECHO, Buffer.alloc(0)))));
    for (const err of errors) {
      expect([err.reason, err.sent]).toEqual(['connect', false]);
      expect(err.message).toContain(`cannot connect to 127.0.0.1:${port}`);
      expect(err.message).toContain('ECONNREFUSED');
    }
    expect(c.stats).toMatchObject({ connects: 0, inFlight: 0 });
  });

  it('a connection that cannot be made in connectTimeoutMs fails with reason connect, sent: false', async () => {
    // TEST-NET-1 is never routed: the connect either times out or is refused by the network at once.
    const c = new FrameClient({ host: '192.0.2.1', port: 9, connectTimeoutMs: 200, requestTimeoutMs: 5_000 });
    cleanup.push(() => c.close());
    const err = await failure(c.request(ECHO, Buffer.alloc(0)));
    expect([err.reason, err.sent]).toEqual(['connect', false]);
    expect(err.message).toMatch(/connect to 192\.0\.2\.1:9 timed out after 200 ms|cannot connect to 192\.0\.2\.1:9/);
  });

  it('over maxInFlight a request fails at once with reason busy, sent: false', async () => {
    const { handler, release } = gate();
    const server = await frameServer([handler]);
    const c = client(server.address.port, { maxInFlight: 2 });
    const held = [c.request(GATED, Buffer.from('a')), c.request(GATED, Buffer.from('b'))];
    const err = await failure(c.request(GATED, Buffer.from('c')));
    expect([err.reason, err.sent]).toEqual(['busy', false]);
    release(1);
    release(2);
    await Promise.all(held);
    release(3);
    expect((await c.request(GATED, Buffer.from('d'))).body.toString()).toBe('d');
  });

  it('refuses a cmd, id, body or timeout that does not fit, leaving nothing in flight', async () => {
    const c = client(1, { maxFrameLength: 100 });
    await expect(c.request(0x10000, Buffer.alloc(0))).rejects.toThrow(RangeError);
    await expect(c.request(1, Buffer.alloc(0), { id: -1 })).rejects.toThrow(RangeError);
    await expect(c.request(1, Buffer.alloc(83))).rejects.toThrow('a request of 101 bytes exceeds maxFrameLength');
    await expect(c.request(1, Buffer.alloc(0), { timeoutMs: 0 })).rejects.toThrow('timeoutMs must be a positive');
    expect(c.stats).toMatchObject({ inFlight: 0, connects: 0 });
  });

  it('close() fails what is in flight (sent: true) and every later request (sent: false)', async () => {
    const { handler } = gate();
    const server = await frameServer([handler]);
    const c = client(server.address.port);
    const pending = failure(c.request(GATED, Buffer.alloc(0)));
    await waitFor(() => server.stats.inFlight === 1, 'the request in flight');
    await c.close();
    const err = await pending;
    expect([err.reason, err.sent]).toEqual(['closed', true]);
    const later = await failure(c.request(GATED, Buffer.alloc(0)));
    expect([later.reason, later.sent]).toEqual(['closed', false]);
    await waitFor(() => server.stats.connections === 0, 'the server to see the close');
  });

  it('closes its connection after idleTimeoutMs with nothing in flight; the next request reconnects', async () => {
    const server = await frameServer([echo]);
    const c = client(server.address.port, { idleTimeoutMs: 100 });
    await c.request(ECHO, Buffer.alloc(0));
    await waitFor(() => !c.stats.connected, 'the idle close');
    await waitFor(() => server.stats.connections === 0, 'the server to see it');
    await c.request(ECHO, Buffer.alloc(0));
    expect(c.stats.connects).toBe(2);
  });
});

describe('FrameClient#forward', () => {
  /** A ForwardTarget recording what it gets: response frames as hex, failures with what came back unsent. */
  function target() {
    const got: { frames: string[]; errors: { err: Error; unsent?: string }[] } = { frames: [], errors: [] };
    return {
      got,
      forwarded: (buf: Buffer, at: number, length: number) =>
        void got.frames.push(buf.toString('hex', at, at + length)),
      failed: (err: Error, unsent?: Buffer) => void got.errors.push({ err, unsent: unsent?.toString('hex') }),
    };
  }

  it("sends the frame as it is but for the client's seq; the response comes back as bytes", async () => {
    const seen: FrameHeader[] = [];
    const port = await rawServer((header) => {
      seen.push(header);
      return encodeFrame({ cmd: header.cmd, id: header.id, seq: header.seq, ret: 1011 }, Buffer.from('ok'));
    });
    const c = client(port);
    const t = target();
    const request = Buffer.concat([
      Buffer.alloc(3),
      encodeFrame({ cmd: 0x10b5, id: 77, seq: 9000 }, Buffer.from('key')),
    ]);
    for (let i = 0; i < 2; i++) expect(c.forward(request, 3, request.length - 3, 1000, t)).toBeUndefined();
    await waitFor(() => t.got.frames.length === 2, 'both responses');
    expect(seen.map(({ cmd, id, seq }) => [cmd, id, seq])).toEqual([
      [0x10b5, 77, 1],
      [0x10b5, 77, 2],
    ]);
    expect(t.got.frames).toEqual(
      [1, 2].map((seq) => encodeFrame({ cmd: 0x10b5, id: 77, seq, ret: 1011 }, Buffer.from('ok')).toString('hex')),
    );
    expect(request.readUInt32LE(3 + 10)).toBe(9000); // the caller's bytes are not touched
    expect(c.stats.inFlight).toBe(0);
  });

  it('returns a refusal at once (busy, too long, closed) and calls nothing back for it', async () => {
    const port = await rawServer(() => undefined); // never answers
    const c = client(port, { maxInFlight: 1, maxFrameLength: 100 });
    const t = target();
    const frame = encodeFrame({ cmd: 1, id: 0, seq: 1 });
    expect(c.forward(frame, 0, frame.length, 1000, t)).toBeUndefined();
    await waitFor(() => c.stats.connected, 'the connection');
    const busy = c.forward(frame, 0, frame.length, 1000, t) as FrameClientError;
    expect([busy.reason, busy.sent]).toEqual(['busy', false]);
    const long = encodeFrame({ cmd: 1, id: 0, seq: 1 }, Buffer.alloc(83));
    expect(client(port, { maxFrameLength: 100 }).forward(long, 0, long.length, 1000, t)).toBeInstanceOf(RangeError);
    await c.close();
    const closed = c.forward(frame, 0, frame.length, 1000, t) as FrameClientError;
    expect([closed.reason, closed.sent]).toEqual(['closed', false]);
    // The one accepted: failed by the close, sent (it was written), nothing handed back.
    expect(
      t.got.errors.map(({ err, unsent }) => [(err as FrameClientError).reason, (err as FrameClientError).sent, unsent]),
    ).toEqual([['closed', true, undefined]]);
  });

  it('a request that never reached a connection comes back unsent, with its bytes, for another backend', async () => {
    const server = await frameServer([echo]);
    const { port } = server.address;
    await server.stop();
    const c = client(port);
    const t = target();
    const frame = encodeFrame({ cmd: ECHO, id: 5, seq: 444 }, Buffer.from('body'));
    expect(c.forward(frame, 0, frame.length, 1000, t)).toBeUndefined();
    await waitFor(() => t.got.errors.length === 1, 'the connect failure');
    const [{ err, unsent }] = t.got.errors as [{ err: Error; unsent?: string }];
    expect([(err as FrameClientError).reason, (err as FrameClientError).sent]).toEqual(['connect', false]);
    // The request frame, its seq the client's own; a relay rewrites the seq again wherever it goes.
    expect(unsent).toBe(encodeFrame({ cmd: ECHO, id: 5, seq: 1 }, Buffer.from('body')).toString('hex'));
  });

  it('times a forwarded request out (sent: true) and drops its late response', async () => {
    const { handler, release } = gate();
    const server = await frameServer([handler]);
    const c = client(server.address.port);
    const t = target();
    const frame = encodeFrame({ cmd: GATED, id: 0, seq: 1 }, Buffer.from('slow'));
    expect(c.forward(frame, 0, frame.length, 100, t)).toBeUndefined();
    await waitFor(() => t.got.errors.length === 1, 'the timeout');
    const err = t.got.errors[0]?.err as FrameClientError;
    expect([err.reason, err.sent]).toEqual(['timeout', true]);
    release(1);
    await waitFor(() => c.stats.lateResponses === 1, 'the late response');
    expect(t.got.frames).toEqual([]);
  });
});
