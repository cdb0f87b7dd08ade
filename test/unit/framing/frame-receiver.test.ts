/**
 * FrameReceiver (libs/framing/src/frame-receiver.ts), socket-free: a simulated socket copies the
 * next bytes of a stream into whatever buffer the receiver asks to be read into (as net.connect's
 * `onread` does), at most `readSize` bytes per read. Every read size must give the same frames;
 * a body larger than the scratch buffer must be read into its own buffer (no copy), and no read
 * may take bytes beyond the body it fills.
 */
import { describe, expect, it } from 'vitest';
import { FrameError, FrameReceiver, type FrameEvent, type FrameReceiverOptions } from '@pic-storage/framing';
import { FRAME_FORMAT, encodeHeader, type Header } from 'fastdfs-protocol';

const RESP = 100;

function frame(body: Buffer, status = 0): Buffer {
  return Buffer.concat([encodeHeader(body.length, RESP, status), body]);
}

function bytes(n: number, seed: number): Buffer {
  const buf = Buffer.alloc(n);
  for (let i = 0; i < n; i++) buf[i] = (i * 7 + seed * 13 + (i >> 8)) & 0xff;
  return buf;
}

interface Read {
  /** The buffer the receiver handed out for this read. */
  target: Buffer;
  n: number;
}

/**
 * Feeds `wire` to `receiver` as a socket with `onread` would: each read copies up to `readSize`
 * bytes into `receiver.buffer()`. Returns the events and the reads.
 */
function feed(
  receiver: FrameReceiver<Header>,
  wire: Buffer,
  readSize: number,
): { events: FrameEvent<Header>[]; reads: Read[] } {
  const events: FrameEvent<Header>[] = [];
  const reads: Read[] = [];
  let at = 0;
  while (at < wire.length) {
    const target = receiver.buffer();
    expect(target.length).toBeGreaterThan(0);
    const n = Math.min(target.length, readSize, wire.length - at);
    wire.copy(target, 0, at, at + n);
    at += n;
    reads.push({ target, n });
    receiver.received(n, (event) => events.push(event));
  }
  return { events, reads };
}

function receiver(options: Partial<FrameReceiverOptions<Header>> = {}): FrameReceiver<Header> {
  return new FrameReceiver(FRAME_FORMAT, { maxBody: 1 << 30, ...options });
}

const bodies = [0, 1, 5, 100, 4086, 4096, 9000, 70_000, 200_000].map((n, i) => bytes(n, i));
const WIRE = Buffer.concat(bodies.map((b, i) => frame(b, i % 3 === 0 ? 0 : 2)));

describe('FrameReceiver: buffered frames', () => {
  it.each([1, 2, 3, 9, 10, 11, 17, 1000, 4096, 8192, 65536, 1 << 20])(
    'gives the same frames whatever the read size (%i bytes per read)',
    (readSize) => {
      const r = receiver({ scratchSize: 4096 });
      const { events } = feed(r, WIRE, readSize);
      expect(events.map((e) => e.type)).toEqual(bodies.map(() => 'frame'));
      events.forEach((event, i) => {
        if (event.type !== 'frame') throw new Error('not a frame');
        expect(event.header).toEqual({ bodyLength: bodies[i]?.length, cmd: RESP, status: i % 3 === 0 ? 0 : 2 });
        expect(event.body).toEqual(bodies[i]);
      });
      expect(r.idle).toBe(true);
    },
  );

  it('reads a body larger than the scratch buffer straight into the body (one allocation, no copy of the rest)', () => {
    const body = bytes(100_000, 1);
    const r = receiver({ scratchSize: 1024 });
    const { events, reads } = feed(r, frame(body), 1 << 20);
    // One read into the scratch (header and the first 1014 bytes), one into the body's own buffer.
    expect(reads.map((read) => read.n)).toEqual([1024, 100_000 - 1014]);
    const [event] = events;
    if (event?.type !== 'frame') throw new Error('no frame');
    expect(event.body).toEqual(body);
    expect(event.body.length).toBe(100_000);
    expect(reads[1]?.target.buffer).toBe(event.body.buffer);
    expect(reads[1]?.target.byteOffset).toBe(event.body.byteOffset + 1014);
  });

  it('never reads past the end of the body it fills: the next frame stays for the next read', () => {
    const first = bytes(50_000, 2);
    const second = bytes(10, 3);
    const r = receiver({ scratchSize: 512 });
    const { events, reads } = feed(r, Buffer.concat([frame(first), frame(second)]), 1 << 20);
    expect(reads.map((read) => read.n)).toEqual([512, 50_000 - 502, 20]);
    expect(events.map((e) => (e.type === 'frame' ? e.body.length : e.type))).toEqual([50_000, 10]);
  });

  it('frames several small frames from one read, and keeps a partial header for the next', () => {
    const small = [bytes(3, 4), bytes(0, 5), bytes(20, 6)];
    const wire = Buffer.concat([...small.map((b) => frame(b)), encodeHeader(4, RESP).subarray(0, 6)]);
    const r = receiver();
    const seen: FrameEvent<Header>[] = [];
    const target = r.buffer();
    wire.copy(target);
    r.received(wire.length, (e) => seen.push(e));
    expect(seen.map((e) => (e.type === 'frame' ? e.body : e.type))).toEqual(small);
    expect(r.idle).toBe(false);
    // The rest of the header and the body: the kept 6 bytes are not read again.
    const next = r.buffer();
    const rest = Buffer.concat([encodeHeader(4, RESP).subarray(6), Buffer.from('abcd')]);
    rest.copy(next);
    r.received(rest.length, (e) => seen.push(e));
    expect(seen.at(-1)).toEqual({
      type: 'frame',
      header: { bodyLength: 4, cmd: RESP, status: 0 },
      body: Buffer.from('abcd'),
    });
    expect(r.idle).toBe(true);
  });

  it('a body copied out of the scratch buffer is not changed by later reads', () => {
    const r = receiver({ scratchSize: 64 });
    const { events } = feed(r, Buffer.concat([frame(Buffer.from('first')), frame(Buffer.from('second'))]), 15);
    expect(events.map((e) => (e.type === 'frame' ? e.body.toString() : e.type))).toEqual(['first', 'second']);
  });

  it('an empty body is a frame at once', () => {
    const r = receiver();
    const { events, reads } = feed(r, frame(Buffer.alloc(0), 2), 1 << 20);
    expect(reads).toHaveLength(1);
    expect(events).toEqual([{ type: 'frame', header: { bodyLength: 0, cmd: RESP, status: 2 }, body: Buffer.alloc(0) }]);
  });
});

describe('FrameReceiver: bodies over maxPreallocate', () => {
  it('a header announcing 4 GiB costs a 1 MiB part, not 4 GiB, until the bytes come', () => {
    const r = receiver({ maxBody: 2 ** 40 });
    const target = r.buffer();
    encodeHeader(2 ** 32, RESP).copy(target);
    r.received(10, () => expect.fail('no event yet'));
    expect(r.buffer().length).toBe(1024 * 1024);
    expect(r.idle).toBe(false);
  });

  it.each([1000, 65536, 1 << 20])(
    'a 3 MiB body over a 1 MiB maxPreallocate, in parts (%i bytes per read)',
    (readSize) => {
      const body = bytes(3 * 1024 * 1024 + 5, 3);
      const r = receiver({ maxPreallocate: 1024 * 1024 });
      const { events, reads } = feed(r, Buffer.concat([frame(body), frame(Buffer.from('next'))]), readSize);
      expect(Math.max(...reads.map((read) => read.target.length))).toBeLessThanOrEqual(1024 * 1024);
      expect(events.map((e) => (e.type === 'frame' ? e.body.length : e.type))).toEqual([body.length, 4]);
      // Buffer.equals: a deep equality walks 3 MiB element by element (tens of seconds).
      expect(events[0]?.type === 'frame' && events[0].body.equals(body)).toBe(true);
      expect(r.idle).toBe(true);
    },
  );
});

describe('FrameReceiver: limits', () => {
  it('a header over maxBody is a FrameError before any body byte is taken', () => {
    const r = receiver({ maxBody: 100 });
    const target = r.buffer();
    frame(bytes(101, 1)).copy(target, 0, 0, 20);
    expect(() => r.received(20, () => undefined)).toThrow(FrameError);
  });

  it('maxBody as a function sees each header and may throw', () => {
    const seen: Header[] = [];
    const r = receiver({
      maxBody: (header) => {
        seen.push(header);
        if (header.status === 9) throw new Error('refused');
        return 1000;
      },
    });
    expect(() => feed(r, Buffer.concat([frame(bytes(5, 1)), frame(bytes(5, 2), 9)]), 1 << 20)).toThrow('refused');
    expect(seen.map((h) => h.status)).toEqual([0, 9]);
  });
});

describe('FrameReceiver: streamed bodies', () => {
  const streamed = (): FrameReceiver<Header> =>
    receiver({ scratchSize: 256, streamChunkSize: 4096, streamBody: (header) => header.status === 0 });

  it.each([1, 7, 256, 1000, 4096, 1 << 20])(
    'head, chunks that add up to the body, end (%i bytes per read)',
    (readSize) => {
      const body = bytes(30_000, 7);
      const r = streamed();
      const { events } = feed(r, Buffer.concat([frame(body), frame(Buffer.from('err'), 2)]), readSize);
      expect(events[0]).toEqual({
        type: 'head',
        header: { bodyLength: 30_000, cmd: RESP, status: 0 },
        bodyLength: 30_000,
      });
      const chunks = events.filter((e) => e.type === 'chunk').map((e) => (e as { chunk: Buffer }).chunk);
      expect(Buffer.concat(chunks)).toEqual(body);
      expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(4096);
      const endAt = events.findIndex((e) => e.type === 'end');
      expect(endAt).toBe(events.length - 2);
      // A frame that is not streamed (its status says so) follows as a whole frame.
      expect(events.at(-1)).toMatchObject({ type: 'frame', body: Buffer.from('err') });
      expect(r.idle).toBe(true);
    },
  );

  it('chunks are buffers of their own: reads after them do not change them', () => {
    const body = bytes(20_000, 8);
    const r = streamed();
    const { events } = feed(r, Buffer.concat([frame(body), frame(bytes(300, 9))]), 100);
    const firstEnd = events.findIndex((e) => e.type === 'end');
    expect(events.slice(firstEnd + 1).map((e) => e.type)[0]).toBe('head');
    const chunks = events
      .slice(0, firstEnd)
      .filter((e) => e.type === 'chunk')
      .map((e) => (e as { chunk: Buffer }).chunk);
    // Checked after every read has been made (the last ones into the scratch buffer, for the
    // next frame): each chunk still holds its own bytes.
    expect(chunks.length).toBeGreaterThan(100);
    let at = 0;
    for (const chunk of chunks) {
      expect(chunk).toEqual(body.subarray(at, at + chunk.length));
      at += chunk.length;
    }
    expect(at).toBe(body.length);
  });

  it('an empty streamed body is head then end', () => {
    const r = streamed();
    const { events } = feed(r, frame(Buffer.alloc(0)), 1 << 20);
    expect(events.map((e) => e.type)).toEqual(['head', 'end']);
  });
});
