/**
 * FrameServer over real sockets (127.0.0.1, port 0), driven by raw frames: replies by seq and out
 * of order, result codes of failures, framing errors closing only their connection, and the bounds
 * (connections, requests in flight, unread replies, idle time, fairness between connections).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Socket } from 'node:net';
import {
  Cmd,
  ResultCode,
  ResultError,
  decodeCropRequest,
  encodeCropRequest,
  encodeFrame,
} from '@pic-storage/frame-protocol';
import { FrameServer, type FrameHandler, type FrameOrigin, type FrameServerOptions } from '@pic-storage/frame-service';
import { YIELD_EVERY } from '../../../libs/frame-service/src/server-connection.js';
import { RawFrameConn, deferred, waitFor } from './raw-frame-conn.js';

const ECHO = 1;
const GATED = 2;
const THROW_RESULT = 3;
const THROW_ERROR = 4;

let server: FrameServer | undefined;
const conns: RawFrameConn[] = [];

afterEach(async () => {
  for (const conn of conns.splice(0)) conn.destroy();
  await server?.stop();
  server = undefined;
});

async function serve(handlers: [number, FrameHandler][], options: Partial<FrameServerOptions> = {}) {
  server = new FrameServer({ handlers: new Map(handlers), port: 0, ...options });
  await server.start();
  return server;
}

async function open(): Promise<RawFrameConn> {
  const conn = await RawFrameConn.open((server as FrameServer).address.port);
  conns.push(conn);
  return conn;
}

const echo: [number, FrameHandler] = [ECHO, ({ body }) => ({ body })];

/** A handler that waits, per seq, until the test releases it; `started` lists the seqs begun. */
function gate() {
  const gates = new Map<number, ReturnType<typeof deferred<void>>>();
  const started: number[] = [];
  const at = (seq: number) => {
    let entry = gates.get(seq);
    if (entry === undefined) gates.set(seq, (entry = deferred()));
    return entry;
  };
  const handler: [number, FrameHandler] = [
    GATED,
    async ({ header }) => {
      started.push(header.seq);
      await at(header.seq).promise;
      return { body: Buffer.from(`seq ${header.seq}`) };
    },
  ];
  return { handler, started, release: (seq: number) => at(seq).resolve() };
}

describe('FrameServer: replies', () => {
  it('answers pipelined requests out of order, each with its own cmd, id and seq', async () => {
    const { handler, started, release } = gate();
    await serve([handler]);
    const conn = await open();
    conn.write(Buffer.concat([1, 2, 3].map((seq) => encodeFrame({ cmd: GATED, id: 100 + seq, seq }))));
    await waitFor(() => started.length === 3, 'three requests started');
    for (const seq of [3, 1, 2]) {
      release(seq);
      await conn.waitFrames(conn.frames.length + 1);
    }
    expect(conn.frames.map((f) => [f.header.seq, f.header.id, f.header.cmd, f.header.ret])).toEqual([
      [3, 103, GATED, 0],
      [1, 101, GATED, 0],
      [2, 102, GATED, 0],
    ]);
    expect(conn.frames.map((f) => f.body.toString())).toEqual(['seq 3', 'seq 1', 'seq 2']);
    expect(conn.frames.every((f) => f.header.len === 18 + f.body.length)).toBe(true);
  });

  it('a bad body gets a header-only BAD_BODY, and the connection goes on', async () => {
    await serve([[Cmd.CROP, ({ body }) => ({ body: Buffer.from(decodeCropRequest(body).fdfsUrl) })]]);
    const conn = await open();
    conn.send(Cmd.CROP, 1, Buffer.alloc(91));
    const good = { hostid: 0, fdfsUrl: 'g01/M00/00/00/x.jpg', clipW: 0, clipH: 0, startX: 0, startY: 0 };
    conn.send(Cmd.CROP, 2, encodeCropRequest({ ...good, thumbW: 1, thumbH: 1 }));
    const [bad, ok] = await conn.waitFrames(2);
    expect(bad?.header).toEqual({ len: 18, cmd: Cmd.CROP, id: 0, seq: 1, ret: ResultCode.BAD_BODY });
    expect([ok?.header.seq, ok?.header.ret, ok?.body.toString()]).toEqual([2, 0, 'g01/M00/00/00/x.jpg']);
  });

  it('an unknown cmd is UNKNOWN_CMD; a thrown ResultError its code; a thrown Error INTERNAL', async () => {
    await serve([
      echo,
      [
        THROW_RESULT,
        () => {
          throw new ResultError(ResultCode.SESSION_EXPIRED, 'too old');
        },
      ],
      [
        THROW_ERROR,
        async () => {
          throw new Error('disk on fire');
        },
      ],
    ]);
    const conn = await open();
    conn.send(999, 1);
    conn.send(THROW_RESULT, 2);
    conn.send(THROW_ERROR, 3);
    conn.send(ECHO, 4, Buffer.from('still here'));
    const frames = await conn.waitFrames(4);
    const bySeq = new Map(frames.map((f) => [f.header.seq, f]));
    expect(bySeq.get(1)?.header).toMatchObject({ cmd: 999, ret: 1002, len: 18 });
    expect(bySeq.get(2)?.header).toMatchObject({ cmd: THROW_RESULT, ret: 1008, len: 18 });
    expect(bySeq.get(3)?.header).toMatchObject({ cmd: THROW_ERROR, ret: 1099, len: 18 });
    expect(bySeq.get(4)?.body.toString()).toBe('still here');
  });

  it("a forwarder serves every cmd without a handler: its answer goes back under the request's seq and id", async () => {
    const forwarded: string[] = [];
    await serve([echo], {
      forwarder: {
        forward(origin, buf, at, length) {
          const cmd = buf.readUInt16LE(at + 4);
          const [id, seq] = [buf.readUInt32LE(at + 6), buf.readUInt32LE(at + 10)];
          forwarded.push(buf.subarray(at, at + length).toString('hex'));
          // As a backend's response: its own seq and id, which the origin puts back.
          const response = encodeFrame({ cmd, id: 0, seq: 99, ret: 7 }, Buffer.from(`cmd ${cmd}`));
          setImmediate(() => origin.answer(seq, id, response, 0, response.length));
        },
      },
    });
    const conn = await open();
    conn.send(0x10b5, 1, Buffer.from('key'), 4242);
    conn.send(ECHO, 2, Buffer.from('x'));
    const frames = await conn.waitFrames(2);
    const bySeq = new Map(frames.map((f) => [f.header.seq, f]));
    expect(bySeq.get(1)?.header).toMatchObject({ cmd: 0x10b5, id: 4242, seq: 1, ret: 7 });
    expect(bySeq.get(1)?.body.toString()).toBe('cmd 4277');
    expect(bySeq.get(2)?.body.toString()).toBe('x');
    // The whole request frame, header included, as the client sent it.
    expect(forwarded).toEqual([encodeFrame({ cmd: 0x10b5, id: 4242, seq: 1 }, Buffer.from('key')).toString('hex')]);
  });

  it("a forwarder's refusal given inside its call is the error's code, and the pipeline goes on", async () => {
    await serve([], {
      forwarder: {
        forward(origin, buf, at) {
          const [cmd, id, seq] = [buf.readUInt16LE(at + 4), buf.readUInt32LE(at + 6), buf.readUInt32LE(at + 10)];
          const err = seq % 2 === 0 ? new ResultError(ResultCode.BACKEND_UNAVAILABLE, 'down') : new Error('boom');
          origin.refuse(cmd, id, seq, err);
        },
      },
    });
    const conn = await open();
    const count = 3 * YIELD_EVERY + 1;
    conn.write(Buffer.concat(Array.from({ length: count }, (_, i) => encodeFrame({ cmd: 0x10b5, id: 5, seq: i + 1 }))));
    const frames = await conn.waitFrames(count);
    const rets = new Map(frames.map((f) => [f.header.seq, f.header.ret]));
    expect(rets.size).toBe(count);
    for (const [seq, ret] of rets)
      expect(ret).toBe(seq % 2 === 0 ? ResultCode.BACKEND_UNAVAILABLE : ResultCode.INTERNAL);
    expect(frames.every((f) => f.header.id === 5 && f.header.len === 18)).toBe(true);
  });

  it('a forwarder that throws is answered INTERNAL, as a handler that throws is, and the server goes on', async () => {
    const started = await serve([echo], {
      forwarder: {
        forward() {
          throw new Error('boom');
        },
      },
    });
    const conn = await open();
    conn.send(0x10b5, 1, Buffer.alloc(0), 3);
    conn.send(ECHO, 2, Buffer.from('x'));
    const frames = await conn.waitFrames(2);
    const bySeq = new Map(frames.map((f) => [f.header.seq, f]));
    expect(bySeq.get(1)?.header).toMatchObject({ cmd: 0x10b5, id: 3, ret: ResultCode.INTERNAL, len: 18 });
    expect(bySeq.get(2)?.body.toString()).toBe('x');
    expect(started.stats.inFlight).toBe(0);
  });

  it('a forwarded request whose client left is closed for the forwarder; its late answer is dropped', async () => {
    const origins: FrameOrigin[] = [];
    const started = await serve([], { forwarder: { forward: (origin) => void origins.push(origin) } });
    const conn = await open();
    conn.send(0x10b5, 1);
    await waitFor(() => origins.length === 1, 'the request forwarded');
    const origin = origins[0] as FrameOrigin;
    expect(origin.closed).toBe(false);
    conn.destroy();
    await waitFor(() => origin.closed, 'the origin closed');
    const response = encodeFrame({ cmd: 0x10b5, id: 0, seq: 1 });
    origin.answer(1, 0, response, 0, response.length);
    expect(started.stats).toMatchObject({ inFlight: 0, served: 1 });
  });
});

describe('FrameServer: framing errors', () => {
  it.each([
    ['len 17', 17],
    ['len 0', 0],
    ['len over maxFrameLength', 4097],
    ['len 2^32-1', 0xffffffff],
  ])('%s closes that connection only, after the replies already started', async (_what, len) => {
    const { handler, started, release } = gate();
    await serve([handler, echo], { maxFrameLength: 4096 });
    const [bad, other] = [await open(), await open()];
    bad.send(GATED, 1);
    await waitFor(() => started.length === 1, 'the first request started');
    const lying = Buffer.from(encodeFrame({ cmd: ECHO, id: 0, seq: 2 }, Buffer.alloc(32)));
    lying.writeUInt32LE(len, 0);
    bad.write(Buffer.concat([lying, encodeFrame({ cmd: ECHO, id: 0, seq: 3 })]));
    await waitFor(() => server?.stats.framingErrors === 1, 'the framing error');
    other.send(ECHO, 9, Buffer.from('served'));
    expect((await other.waitFrames(1))[0]?.body.toString()).toBe('served');
    expect(bad.isClosed).toBe(false); // its first request is still being served
    release(1);
    await bad.waitClosed();
    expect(bad.frames.map((f) => f.header.seq)).toEqual([1]); // nothing after the bad frame is served
    other.send(ECHO, 10, Buffer.from('still served'));
    expect((await other.waitFrames(2))[1]?.body.toString()).toBe('still served');
    expect(server?.stats).toMatchObject({ connections: 1, framingErrors: 1 });
  });

  it('a frame of exactly maxFrameLength is served', async () => {
    await serve([echo], { maxFrameLength: 4096 });
    const conn = await open();
    conn.send(ECHO, 1, Buffer.alloc(4096 - 18, 0x61));
    const [frame] = await conn.waitFrames(1);
    expect([frame?.header.len, frame?.body.length]).toEqual([4096, 4078]);
  });
});

describe('FrameServer: bounds', () => {
  it('refuses connections over maxConnections, and accepts again once one closes', async () => {
    await serve([echo], { maxConnections: 2 });
    const [a, b] = [await open(), await open()];
    await waitFor(() => server?.stats.connections === 2, 'two connections');
    const c = await open();
    await c.waitClosed();
    expect(server?.stats).toMatchObject({ connections: 2, refused: 1 });
    a.send(ECHO, 1, Buffer.from('a'));
    b.send(ECHO, 1, Buffer.from('b'));
    expect((await a.waitFrames(1))[0]?.body.toString()).toBe('a');
    expect((await b.waitFrames(1))[0]?.body.toString()).toBe('b');
    a.destroy();
    await waitFor(() => server?.stats.connections === 1, 'one connection');
    const d = await open();
    d.send(ECHO, 1, Buffer.from('d'));
    expect((await d.waitFrames(1))[0]?.body.toString()).toBe('d');
  });

  it('refuses an address allowAddress rejects', async () => {
    await serve([echo], { allowAddress: (address) => address === '10.0.0.1' });
    const conn = await open();
    await conn.waitClosed();
    expect(server?.stats.refused).toBe(1);
  });

  it('starts at most maxInFlightPerConnection requests of a connection; the next waits for one to finish', async () => {
    const { handler, started, release } = gate();
    await serve([handler], { maxInFlightPerConnection: 2 });
    const conn = await open();
    conn.write(Buffer.concat([1, 2, 3, 4].map((seq) => encodeFrame({ cmd: GATED, id: 0, seq }))));
    await waitFor(() => started.length === 2, 'two requests started');
    await new Promise((resolve) => setTimeout(resolve, 200)); // time in which a third would have started
    expect(started).toEqual([1, 2]);
    expect(server?.stats.inFlight).toBe(2);
    release(2);
    await waitFor(() => started.length === 3, 'the third request started');
    expect(started).toEqual([1, 2, 3]);
    for (const seq of [1, 3, 4]) release(seq);
    const frames = await conn.waitFrames(4);
    expect(frames.map((f) => f.header.seq)).toEqual([2, 1, 3, 4]);
  });

  it.each([
    // 400 replies of 256 KiB: 100 MiB, far more than the kernel's socket buffers hold.
    ['a bound over the socket high-water mark', 256 * 1024, 512 * 1024, 400],
    // Replies under the 16 KiB high-water mark: no 'drain' ever comes, reading must resume anyway.
    ['a bound under the socket high-water mark', 8000, 1000, 4000],
  ])(
    'stops reading a connection whose replies go unread past maxUnreadReplyBytes (%s)',
    async (_what, size, bound, total) => {
      const reply = Buffer.alloc(size, 0x62);
      let served = 0;
      await serve([[ECHO, () => (served++, { body: reply })]], {
        maxUnreadReplyBytes: bound,
        maxFrameLength: 1024 * 1024,
      });
      const conn = await open();
      conn.socket.pause(); // the client reads nothing
      conn.write(Buffer.concat(Array.from({ length: total }, (_, i) => encodeFrame({ cmd: ECHO, id: 0, seq: i + 1 }))));
      let last = -1;
      await waitFor(
        () => {
          const steady = served === last;
          last = served;
          return steady && served > 0;
        },
        'the server to stop serving',
        20_000,
      );
      expect(served).toBeLessThan(total);
      conn.socket.resume();
      await conn.waitFrames(total, 60_000);
      expect(served).toBe(total);
      expect(conn.frames.every((f) => f.body.length === reply.length)).toBe(true);
    },
  );

  it('a connection pipelining thousands of cheap requests does not hold the others back', async () => {
    const order: string[] = [];
    await serve([[ECHO, ({ body }) => (order.push(body.toString()), { body })]]);
    const [greedy, polite] = [await open(), await open()];
    const count = 20_000;
    const frames = Array.from({ length: count }, (_, i) =>
      encodeFrame({ cmd: ECHO, id: 0, seq: i + 1 }, Buffer.from('g')),
    );
    greedy.write(Buffer.concat(frames));
    polite.send(ECHO, 1, Buffer.from('p'));
    await polite.waitFrames(1);
    const greedyBefore = order.indexOf('p');
    await greedy.waitFrames(count, 60_000);
    // Served in turns of 16: the polite request comes within the first turns (without them, after
    // the whole of the greedy connection's first reads, ~10,000 requests).
    expect(greedyBefore).toBeGreaterThanOrEqual(0);
    expect(greedyBefore).toBeLessThan(count / 10);
  });

  it('a pipeline exactly YIELD_EVERY deep is served in one turn: no yield, its socket never paused', async () => {
    await serve([echo]);
    const conn = await open();
    const pause = vi.spyOn(Socket.prototype, 'pause');
    try {
      for (let round = 0; round < 3; round++) {
        const frames = Array.from({ length: YIELD_EVERY }, (_, i) =>
          encodeFrame({ cmd: ECHO, id: 0, seq: round * YIELD_EVERY + i + 1 }, Buffer.from('x')),
        );
        conn.write(Buffer.concat(frames));
        await conn.waitFrames((round + 1) * YIELD_EVERY);
      }
      // Each yield paused the socket until its next turn; one frame more than the streak still does.
      expect(pause).not.toHaveBeenCalled();
      const more = Array.from({ length: YIELD_EVERY + 1 }, (_, i) =>
        encodeFrame({ cmd: ECHO, id: 0, seq: 1000 + i }, Buffer.from('y')),
      );
      conn.write(Buffer.concat(more));
      await conn.waitFrames(4 * YIELD_EVERY + 1);
      expect(pause).toHaveBeenCalled();
    } finally {
      pause.mockRestore();
    }
  });
});

describe('FrameServer: idle timeout', () => {
  it('closes a connection idle for idleTimeoutMs', async () => {
    await serve([echo], { idleTimeoutMs: 150 });
    const conn = await open();
    conn.send(ECHO, 1, Buffer.from('x'));
    await conn.waitFrames(1);
    await conn.waitClosed();
    await waitFor(() => server?.stats.connections === 0, 'the server to drop the connection');
    expect(server?.stats.idleClosed).toBe(1);
  });

  it('never while a request is in flight; from the end of the last one', async () => {
    const { handler, release } = gate();
    await serve([handler], { idleTimeoutMs: 100 });
    const conn = await open();
    conn.send(GATED, 1);
    await new Promise((resolve) => setTimeout(resolve, 400)); // four idle timeouts' worth of silence
    expect(conn.isClosed).toBe(false);
    release(1);
    await conn.waitFrames(1);
    await conn.waitClosed();
    expect(conn.frames[0]?.body.toString()).toBe('seq 1');
    expect(server?.stats.idleClosed).toBe(1);
  });
});
