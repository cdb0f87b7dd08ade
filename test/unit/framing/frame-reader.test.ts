/**
 * FrameReader (libs/framing/src/frame-reader.ts), socket-free: frames of the FastDFS format
 * (10-byte header, int64 BE length first) and of an 18-byte little-endian format made up here,
 * to show the reader knows nothing of either. Every split of the byte stream must give the same
 * frames; the events of each push are predicted exactly by a small model of the stream.
 */
import { describe, expect, it } from 'vitest';
import {
  FrameError,
  FrameReader,
  type FrameEvent,
  type FrameFormat,
  type FrameReaderOptions,
} from '@pic-storage/framing';
import { FRAME_FORMAT, ProtocolError, decodeHeader, encodeHeader, type Header } from 'fastdfs-protocol';

/**
 * The made-up format, 18 bytes, little-endian:
 *   0  uint32  body length
 *   4  uint16  kind
 *   6  uint32  request id
 *  10  uint64  stamp
 */
interface LeHeader {
  length: number;
  kind: number;
  id: number;
  stamp: bigint;
}

const LE_FORMAT: FrameFormat<LeHeader> = {
  headerSize: 18,
  decodeHeader: (buf, at) => ({
    length: buf.readUInt32LE(at),
    kind: buf.readUInt16LE(at + 4),
    id: buf.readUInt32LE(at + 6),
    stamp: buf.readBigUInt64LE(at + 10),
  }),
  bodyLength: (header) => header.length,
};

function encodeLe(header: LeHeader): Buffer {
  const buf = Buffer.alloc(18);
  buf.writeUInt32LE(header.length, 0);
  buf.writeUInt16LE(header.kind, 4);
  buf.writeUInt32LE(header.id, 6);
  buf.writeBigUInt64LE(header.stamp, 10);
  return buf;
}

/**
 * The format, checking that decodeHeader is handed a whole header every time: `headerSize` bytes
 * at `at`, and a copy of them decodes the same (so it never reads past them).
 */
function exact<H>(format: FrameFormat<H>): FrameFormat<H> {
  return {
    headerSize: format.headerSize,
    decodeHeader: (buf, at) => {
      if (!Number.isInteger(at) || at < 0 || buf.length - at < format.headerSize) {
        throw new Error(`decodeHeader got ${buf.length} bytes at ${at}`);
      }
      const header = format.decodeHeader(buf, at);
      expect(format.decodeHeader(Buffer.from(buf.subarray(at, at + format.headerSize)), 0)).toEqual(header);
      return header;
    },
    bodyLength: (header) => format.bodyLength(header),
  };
}

/** A FastDFS header with any int64 in the length field (encodeHeader takes a number). */
function rawFdfsHeader(length: bigint, cmd: number, status = 0): Buffer {
  const buf = Buffer.alloc(10);
  buf.writeBigInt64BE(length, 0);
  buf[8] = cmd;
  buf[9] = status;
  return buf;
}

/** A copy outside Node's shared allocation pool, so that `.buffer` identity means something. */
function unpooled(bytes: Buffer): Buffer {
  const buf = Buffer.alloc(bytes.length);
  bytes.copy(buf);
  return buf;
}

interface Frame<H> {
  header: H;
  wire: Buffer; // the encoded header
  body: Buffer;
}

const fdfsFrame = (cmd: number, status: number, body: Buffer): Frame<Header> => ({
  header: { bodyLength: body.length, cmd, status },
  wire: encodeHeader(body.length, cmd, status),
  body,
});

const leFrame = (kind: number, id: number, stamp: bigint, body: Buffer): Frame<LeHeader> => {
  const header = { length: body.length, kind, id, stamp };
  return { header, wire: encodeLe(header), body };
};

/** Events with bodies as hex, comparable with toEqual and readable in a diff. */
type Seen =
  | { type: 'frame'; header: unknown; body: string }
  | { type: 'head'; header: unknown; bodyLength: number }
  | { type: 'chunk'; chunk: string }
  | { type: 'end' };

function seen<H>(event: FrameEvent<H>): Seen {
  switch (event.type) {
    case 'frame':
      return { type: 'frame', header: event.header, body: event.body.toString('hex') };
    case 'head':
      return { type: 'head', header: event.header, bodyLength: event.bodyLength };
    case 'chunk':
      return { type: 'chunk', chunk: event.chunk.toString('hex') };
    case 'end':
      return { type: 'end' };
  }
}

const stream = <H>(frames: Frame<H>[]): Buffer => Buffer.concat(frames.flatMap((f) => [f.wire, f.body]));

/** The stream cut at `cuts` (ascending, repeats allowed: they give empty pushes). */
function pieces(bytes: Buffer, cuts: number[]): Buffer[] {
  const bounds = [0, ...cuts, bytes.length];
  return bounds.slice(1).map((end, i) => bytes.subarray(bounds[i], end));
}

/**
 * The model: what each push must yield. A buffered frame comes out of the push holding its last
 * byte; a streamed one gives `head` in the push completing the header, one `chunk` per push for
 * the body bytes it holds, and `end` in the push holding the last body byte (or header byte).
 */
function predict<H>(frames: Frame<H>[], cuts: number[], streamed: (header: H) => boolean): Seen[][] {
  const bytes = stream(frames);
  const bounds = [0, ...cuts, bytes.length];
  const out: Seen[][] = bounds.slice(1).map(() => []);
  const pieceOf = (offset: number): Seen[] => {
    const i = bounds.findIndex((start, k) => k + 1 < bounds.length && start <= offset && offset < (bounds[k + 1] ?? 0));
    return out[i] as Seen[];
  };
  let at = 0;
  for (const { header, wire, body } of frames) {
    const bodyStart = at + wire.length;
    const bodyEnd = bodyStart + body.length;
    if (streamed(header)) {
      pieceOf(bodyStart - 1).push({ type: 'head', header, bodyLength: body.length });
      bounds.slice(1).forEach((end, i) => {
        const from = Math.max(bounds[i] ?? 0, bodyStart);
        const to = Math.min(end, bodyEnd);
        if (from < to) out[i]?.push({ type: 'chunk', chunk: bytes.subarray(from, to).toString('hex') });
      });
      pieceOf(bodyEnd - 1).push({ type: 'end' });
    } else {
      pieceOf(bodyEnd - 1).push({ type: 'frame', header, body: body.toString('hex') });
    }
    at = bodyEnd;
  }
  return out;
}

function feed<H>(reader: FrameReader<H>, chunks: Buffer[]): Seen[][] {
  return chunks.map((chunk) => [...reader.push(chunk)].map(seen));
}

/** Every cut position (single cuts), or every pair of them. */
function singleCuts(length: number): number[][] {
  return Array.from({ length: length + 1 }, (_, i) => [i]);
}

function pairCuts(length: number): number[][] {
  const all: number[][] = [];
  for (let a = 0; a <= length; a++) for (let b = a; b <= length; b++) all.push([a, b]);
  return all;
}

function checkSplits<H>(
  format: FrameFormat<H>,
  frames: Frame<H>[],
  allCuts: number[][],
  streamBody?: (header: H) => boolean,
): void {
  const bytes = stream(frames);
  const options: FrameReaderOptions<H> = { maxBody: 1 << 20, ...(streamBody ? { streamBody } : {}) };
  for (const cuts of allCuts) {
    const reader = new FrameReader(exact(format), options);
    const got = feed(reader, pieces(bytes, cuts));
    expect(got, `cut at ${cuts.join(', ')}`).toEqual(predict(frames, cuts, streamBody ?? (() => false)));
    expect(reader.idle, `idle after cuts ${cuts.join(', ')}`).toBe(true);
  }
}

/** Runs push() until it throws; returns the events yielded before and the error. */
function pushUntilThrow<H>(reader: FrameReader<H>, chunk: Buffer): { events: Seen[]; error: unknown } {
  const events: Seen[] = [];
  try {
    for (const event of reader.push(chunk)) events.push(seen(event));
  } catch (error) {
    return { events, error };
  }
  return expect.fail(`push did not throw; it yielded ${JSON.stringify(events)}`);
}

function expectLimit(error: unknown, message?: RegExp): void {
  expect(error).toBeInstanceOf(FrameError);
  expect((error as FrameError).reason).toBe('limit');
  if (message !== undefined) expect((error as FrameError).message).toMatch(message);
}

const BODY_A = Buffer.from('hello');
const BODY_C = Buffer.from(Array.from({ length: 13 }, (_, i) => 0xf0 - i));

const FDFS_THREE = [fdfsFrame(11, 0, BODY_A), fdfsFrame(100, 2, Buffer.alloc(0)), fdfsFrame(12, 0, BODY_C)];
const FDFS_TWO = [fdfsFrame(11, 0, BODY_A), fdfsFrame(12, 0, BODY_C)];
const LE_THREE = [
  leFrame(7, 1, 0x0102030405060708n, Buffer.from('le-body-1')),
  leFrame(8, 2, 0n, Buffer.alloc(0)),
  leFrame(0xffff, 0xfffffffe, 2n ** 64n - 1n, Buffer.from([0, 1, 2, 3])),
];
const LE_TWO = [LE_THREE[0], LE_THREE[2]] as Frame<LeHeader>[];

describe('the model the split tests compare with', () => {
  it('predicts one frame per push when the stream is cut at the frame boundaries', () => {
    const boundary = FDFS_TWO[0] as Frame<Header>;
    const cut = boundary.wire.length + boundary.body.length;
    expect(predict(FDFS_TWO, [cut], () => false)).toEqual([
      [{ type: 'frame', header: { bodyLength: 5, cmd: 11, status: 0 }, body: '68656c6c6f' }],
      [{ type: 'frame', header: { bodyLength: 13, cmd: 12, status: 0 }, body: BODY_C.toString('hex') }],
    ]);
  });

  it('predicts head, a chunk per push and end for a streamed frame', () => {
    expect(predict(FDFS_TWO, [12], () => true)).toEqual([
      [
        { type: 'head', header: { bodyLength: 5, cmd: 11, status: 0 }, bodyLength: 5 },
        { type: 'chunk', chunk: '6865' },
      ],
      [
        { type: 'chunk', chunk: '6c6c6f' },
        { type: 'end' },
        { type: 'head', header: { bodyLength: 13, cmd: 12, status: 0 }, bodyLength: 13 },
        { type: 'chunk', chunk: BODY_C.toString('hex') },
        { type: 'end' },
      ],
    ]);
  });
});

/**
 * The same cases for each format. `two` and `three` are frames back to back (`three` has an empty
 * body in the middle); `pick` selects the first frame of `three` by its header.
 */
function describeFormat<H>(
  name: string,
  fmt: FrameFormat<H>,
  twoFrames: Frame<H>[],
  threeFrames: Frame<H>[],
  pick: (header: H) => boolean,
): void {
  describe(`FrameReader, ${name} format`, () => formatCases(fmt, twoFrames, threeFrames, pick));
}

describeFormat('FastDFS 10-byte BE', FRAME_FORMAT, FDFS_TWO, FDFS_THREE, (h) => h.cmd === 11);
describeFormat('made-up 18-byte LE', LE_FORMAT, LE_TWO, LE_THREE, (h) => h.kind === 7);

function formatCases<H>(
  fmt: FrameFormat<H>,
  twoFrames: Frame<H>[],
  threeFrames: Frame<H>[],
  pick: (header: H) => boolean,
): void {
  it('two frames in one chunk: two frame events, headers decoded, bodies exact', () => {
    const reader = new FrameReader(fmt, { maxBody: 1 << 20 });
    const events = [...reader.push(stream(twoFrames))];
    expect(events.map((e) => e.type)).toEqual(['frame', 'frame']);
    expect(events.map(seen)).toEqual(
      twoFrames.map((f) => ({ type: 'frame', header: f.header, body: f.body.toString('hex') })),
    );
  });

  it('two frames, buffered, split at every byte offset', () => {
    checkSplits(fmt, twoFrames, singleCuts(stream(twoFrames).length));
  });

  it('two frames, streamed, split at every byte offset', () => {
    checkSplits(fmt, twoFrames, singleCuts(stream(twoFrames).length), () => true);
  });

  it('three frames (one empty), buffered, split at every offset and every pair of offsets', () => {
    const length = stream(threeFrames).length;
    checkSplits(fmt, threeFrames, singleCuts(length));
    checkSplits(fmt, threeFrames, pairCuts(length));
  });

  it('three frames (one empty), streamed, split at every offset and every pair of offsets', () => {
    const length = stream(threeFrames).length;
    checkSplits(fmt, threeFrames, singleCuts(length), () => true);
    checkSplits(fmt, threeFrames, pairCuts(length), () => true);
  });

  it('streamBody decides per header: streamed and buffered frames mix, every pair of offsets', () => {
    expect(threeFrames.map((f) => pick(f.header))).toEqual([true, false, false]);
    checkSplits(fmt, threeFrames, pairCuts(stream(threeFrames).length), pick);
  });

  it('streamed: head, chunks, end; the chunks concatenated are the body', () => {
    const reader = new FrameReader(fmt, { maxBody: 1 << 20, streamBody: () => true });
    const bytes = stream(threeFrames);
    const events = feed(reader, pieces(bytes, [3, 20, 21, 22, 40])).flat();
    const bodies: string[] = [];
    let current: string | undefined;
    const types: string[] = [];
    for (const event of events) {
      types.push(event.type);
      if (event.type === 'head') current = '';
      else if (event.type === 'chunk') current += event.chunk;
      else if (event.type === 'end') bodies.push(current ?? 'no head');
    }
    expect(bodies).toEqual(threeFrames.map((f) => f.body.toString('hex')));
    expect(types.filter((t) => t === 'head')).toHaveLength(3);
    expect(types.filter((t) => t === 'end')).toHaveLength(3);
    expect(types).not.toContain('frame');
  });

  it('a frame fed one byte at a time, buffered: nothing until the last byte', () => {
    const frame = threeFrames[0] as Frame<H>;
    const bytes = stream([frame]);
    const reader = new FrameReader(exact(fmt), { maxBody: 1 << 20 });
    const perByte = feed(
      reader,
      Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)),
    );
    expect(perByte.slice(0, -1).flat()).toEqual([]);
    expect(perByte.at(-1)).toEqual([{ type: 'frame', header: frame.header, body: frame.body.toString('hex') }]);
    expect(reader.idle).toBe(true);
  });

  it('a frame fed one byte at a time, streamed: head at the last header byte, one chunk per byte', () => {
    const frame = threeFrames[0] as Frame<H>;
    const bytes = stream([frame]);
    const reader = new FrameReader(exact(fmt), { maxBody: 1 << 20, streamBody: () => true });
    const perByte = feed(
      reader,
      Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)),
    );
    const headerSize = fmt.headerSize;
    expect(perByte.slice(0, headerSize - 1).flat()).toEqual([]);
    expect(perByte[headerSize - 1]).toEqual([{ type: 'head', header: frame.header, bodyLength: frame.body.length }]);
    const bodyEvents = perByte.slice(headerSize);
    expect(bodyEvents.slice(0, -1)).toEqual(
      Array.from(frame.body.subarray(0, -1), (b) => [{ type: 'chunk', chunk: Buffer.of(b).toString('hex') }]),
    );
    expect(bodyEvents.at(-1)).toEqual([
      { type: 'chunk', chunk: frame.body.subarray(-1).toString('hex') },
      { type: 'end' },
    ]);
  });

  it('empty bodies: back-to-back empty frames each give an empty body, streamed ones head + end only', () => {
    const empty = threeFrames[1] as Frame<H>;
    expect(empty.body.length).toBe(0);
    const bytes = stream([empty, empty, empty]);
    const buffered = [...new FrameReader(fmt, { maxBody: 0 }).push(bytes)];
    expect(buffered).toHaveLength(3);
    for (const event of buffered) {
      expect(event.type).toBe('frame');
      expect(event.type === 'frame' && event.body.length).toBe(0);
      expect(event.type === 'frame' && event.header).toEqual(empty.header);
    }
    const streamed = [...new FrameReader(fmt, { maxBody: 0, streamBody: () => true }).push(bytes)].map(seen);
    expect(streamed).toEqual(
      Array.from({ length: 3 }, () => [{ type: 'head', header: empty.header, bodyLength: 0 }, { type: 'end' }]).flat(),
    );
  });

  it('an empty push yields nothing and changes nothing', () => {
    const reader = new FrameReader(fmt, { maxBody: 1 << 20 });
    const bytes = stream(twoFrames);
    expect([...reader.push(Buffer.alloc(0))]).toEqual([]);
    expect([...reader.push(bytes.subarray(0, 3))]).toEqual([]);
    expect([...reader.push(Buffer.alloc(0))]).toEqual([]);
    expect(reader.idle).toBe(false);
    expect([...reader.push(bytes.subarray(3))].map((e) => e.type)).toEqual(['frame', 'frame']);
  });

  it('idle: true before and between frames, false with part of a header or of a body held', () => {
    const first = twoFrames[0] as Frame<H>;
    const bytes = stream(twoFrames);
    const reader = new FrameReader(fmt, { maxBody: 1 << 20 });
    expect(reader.idle).toBe(true);
    expect([...reader.push(bytes.subarray(0, 1))]).toEqual([]);
    expect(reader.idle).toBe(false); // one header byte
    expect([...reader.push(bytes.subarray(1, first.wire.length))]).toEqual([]);
    expect(reader.idle).toBe(false); // the whole header, no body byte yet
    expect([...reader.push(bytes.subarray(first.wire.length, first.wire.length + 1))]).toEqual([]);
    expect(reader.idle).toBe(false); // one body byte
    // The rest in one push; idle is read between the events, while the generator is suspended.
    const idleAt: boolean[] = [];
    for (const event of reader.push(bytes.subarray(first.wire.length + 1))) {
      expect(event.type).toBe('frame');
      idleAt.push(reader.idle);
    }
    expect(idleAt).toEqual([true, true]);
  });

  it('idle in streamed mode: false after head and after each chunk, true after end', () => {
    const reader = new FrameReader(fmt, { maxBody: 1 << 20, streamBody: () => true });
    const states: [string, boolean][] = [];
    for (const event of reader.push(stream(threeFrames))) states.push([event.type, reader.idle]);
    expect(states).toEqual([
      ['head', false],
      ['chunk', false],
      ['end', true],
      ['head', false],
      ['end', true],
      ['head', false],
      ['chunk', false],
      ['end', true],
    ]);
  });

  it('a body of exactly maxBody is taken; one byte more is a FrameError "limit" before any body byte', () => {
    const frame = threeFrames[0] as Frame<H>;
    const max = frame.body.length;
    expect([...new FrameReader(fmt, { maxBody: max }).push(stream([frame]))].map((e) => e.type)).toEqual(['frame']);
    for (const streamBody of [undefined, () => true]) {
      const reader = new FrameReader(fmt, { maxBody: max - 1, ...(streamBody ? { streamBody } : {}) });
      // The header alone is enough to refuse the frame: no body byte has been sent.
      const { events, error } = pushUntilThrow(reader, frame.wire);
      expect(events).toEqual([]); // not even a head
      expectLimit(error, new RegExp(`${max} bytes exceeds the ${max - 1}-byte limit`));
    }
  });

  it('a frame over the limit after a good one in the same chunk: the good one comes out first', () => {
    const [good, big] = [threeFrames[1], threeFrames[2]] as Frame<H>[];
    const reader = new FrameReader(fmt, { maxBody: (big as Frame<H>).body.length - 1 });
    const { events, error } = pushUntilThrow(reader, stream([good as Frame<H>, big as Frame<H>]));
    expect(events).toEqual([{ type: 'frame', header: good?.header, body: '' }]);
    expectLimit(error);
  });

  it('a header split across pushes is refused when its last byte arrives', () => {
    const frame = threeFrames[0] as Frame<H>;
    const reader = new FrameReader(fmt, { maxBody: 1 });
    expect([...reader.push(frame.wire.subarray(0, 4))]).toEqual([]);
    expectLimit(pushUntilThrow(reader, frame.wire.subarray(4)).error);
  });
}

describe('FrameReader: maxBody as a function of the header', () => {
  it('sees each decoded header before its body and sets the limit per header', () => {
    const asked: Header[] = [];
    const maxBody = (header: Header): number => {
      asked.push(header);
      return header.cmd === 11 ? 1000 : 4;
    };
    const reader = new FrameReader(FRAME_FORMAT, { maxBody });
    const upload = fdfsFrame(11, 0, Buffer.alloc(600, 0x61));
    const small = fdfsFrame(12, 0, Buffer.from('abcd'));
    const events = feed(reader, [upload.wire, upload.body, small.wire, small.body]);
    expect(asked).toEqual([upload.header, small.header]);
    expect(events.map((e) => e.map((x) => x.type))).toEqual([[], ['frame'], [], ['frame']]);

    const refused = fdfsFrame(12, 0, Buffer.from('abcde'));
    const { events: before, error } = pushUntilThrow(reader, Buffer.concat([refused.wire, refused.body]));
    expect(before).toEqual([]);
    expectLimit(error, /5 bytes exceeds the 4-byte limit/);
    expect(asked).toEqual([upload.header, small.header, refused.header]);
  });

  it('may throw to reject a header: that error comes out of push, not a FrameError', () => {
    const rejection = new ProtocolError('unexpected command 7');
    const reader = new FrameReader(FRAME_FORMAT, {
      maxBody: (header) => {
        if (header.cmd !== 100) throw rejection;
        return 1 << 20;
      },
      streamBody: () => true,
    });
    const ok = fdfsFrame(100, 0, Buffer.from('x'));
    const bad = fdfsFrame(7, 0, Buffer.from('y'));
    const { events, error } = pushUntilThrow(reader, Buffer.concat([ok.wire, ok.body, bad.wire, bad.body]));
    expect(events).toEqual([
      { type: 'head', header: ok.header, bodyLength: 1 },
      { type: 'chunk', chunk: '78' },
      { type: 'end' },
    ]);
    expect(error).toBe(rejection);
    expect(error).not.toBeInstanceOf(FrameError);
  });

  it('works with the made-up format too: the limit follows the kind field', () => {
    const reader = new FrameReader(LE_FORMAT, { maxBody: (header) => (header.kind === 1 ? 8 : 2) });
    const fine = leFrame(1, 1, 0n, Buffer.from('12345678'));
    expect([...reader.push(stream([fine]))].map(seen)).toEqual([
      { type: 'frame', header: fine.header, body: '3132333435363738' },
    ]);
    const tooLong = leFrame(2, 2, 0n, Buffer.from('123'));
    expectLimit(pushUntilThrow(reader, tooLong.wire).error, /3 bytes exceeds the 2-byte limit/);
  });
});

describe('FrameReader: lengths that overflow', () => {
  const expectProtocolError = (fn: () => unknown, message: RegExp): void => {
    let thrown: unknown;
    try {
      fn();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe('FDFS_ERR_PROTOCOL');
    expect((thrown as ProtocolError).message).toMatch(message);
  };

  it.each([
    ['2^63-1', 2n ** 63n - 1n, /invalid body length 9223372036854775807/],
    ['2^53', 2n ** 53n, /invalid body length 9007199254740992/],
    ['-1', -1n, /invalid body length -1/],
    ['-2^63', -(2n ** 63n), /invalid body length -9223372036854775808/],
  ])('FastDFS length %s: decodeHeader throws a ProtocolError, and so does push', (_, length, message) => {
    const header = rawFdfsHeader(length, 100);
    expectProtocolError(() => decodeHeader(header), message);
    expectProtocolError(() => FRAME_FORMAT.decodeHeader(header, 0), message);
    const reader = new FrameReader(FRAME_FORMAT, { maxBody: Number.MAX_SAFE_INTEGER });
    expectProtocolError(() => [...reader.push(Buffer.concat([header, Buffer.from('body')]))], message);
  });

  it('-1 as encodeHeader writes it is the all-ones int64', () => {
    expect(encodeHeader(-1, 100).subarray(0, 8)).toEqual(Buffer.alloc(8, 0xff));
    expectProtocolError(() => decodeHeader(encodeHeader(-1, 100)), /invalid body length -1/);
  });

  it('FastDFS length 2^53-1 decodes; the reader refuses it against maxBody, takes it without one', () => {
    const header = rawFdfsHeader(2n ** 53n - 1n, 100);
    expect(decodeHeader(header)).toEqual({ bodyLength: Number.MAX_SAFE_INTEGER, cmd: 100, status: 0 });
    const limited = new FrameReader(FRAME_FORMAT, { maxBody: 16 << 20 });
    expectLimit(pushUntilThrow(limited, header).error, /9007199254740991 bytes exceeds the 16777216-byte limit/);
    // Announcing a huge body costs nothing until it arrives: the reader just waits for it.
    const unlimited = new FrameReader(FRAME_FORMAT, { maxBody: Number.MAX_SAFE_INTEGER });
    expect([...unlimited.push(Buffer.concat([header, Buffer.from('abc')]))]).toEqual([]);
    expect(unlimited.idle).toBe(false);
  });

  it('18-byte format, length 0xFFFFFFFF: over maxBody is a FrameError "limit"; within it the reader waits', () => {
    const header = encodeLe({ length: 0xffffffff, kind: 1, id: 1, stamp: 0n });
    expect(LE_FORMAT.decodeHeader(header, 0).length).toBe(4294967295);
    expectLimit(
      pushUntilThrow(new FrameReader(LE_FORMAT, { maxBody: 0xfffffffe }), header).error,
      /4294967295 bytes exceeds the 4294967294-byte limit/,
    );
    expectLimit(pushUntilThrow(new FrameReader(LE_FORMAT, { maxBody: 1 << 20 }), header).error);
    const roomy = new FrameReader(LE_FORMAT, { maxBody: 0xffffffff, streamBody: () => true });
    expect([...roomy.push(Buffer.concat([header, Buffer.from('ab')]))].map(seen)).toEqual([
      { type: 'head', header: { length: 0xffffffff, kind: 1, id: 1, stamp: 0n }, bodyLength: 0xffffffff },
      { type: 'chunk', chunk: '6162' },
    ]);
    expect(roomy.idle).toBe(false);
  });

  it('a format whose length is not a safe, non-negative integer is refused whatever maxBody says', () => {
    const int32 = { ...LE_FORMAT, bodyLength: (h: LeHeader) => h.length | 0 }; // 0xFFFFFFFF reads as -1
    const header = encodeLe({ length: 0xffffffff, kind: 0, id: 0, stamp: 2n ** 60n });
    expectLimit(pushUntilThrow(new FrameReader(int32, { maxBody: Infinity }), header).error, /frame body of -1 bytes/);
    const uint64 = { ...LE_FORMAT, bodyLength: (h: LeHeader) => Number(h.stamp) }; // 2^60, not a safe integer
    expectLimit(
      pushUntilThrow(new FrameReader(uint64, { maxBody: Infinity }), header).error,
      /frame body of 1152921504606847000 bytes/,
    );
    const fraction = { ...LE_FORMAT, bodyLength: (h: LeHeader) => h.length / 2 };
    const odd = encodeLe({ length: 3, kind: 0, id: 0, stamp: 0n });
    expectLimit(pushUntilThrow(new FrameReader(fraction, { maxBody: Infinity }), odd).error, /frame body of 1.5 bytes/);
  });
});

describe('FrameReader: views, not copies', () => {
  it('a buffered body inside one pushed chunk is a view of that chunk', () => {
    const [a, c] = FDFS_TWO as [Frame<Header>, Frame<Header>];
    const chunk = unpooled(stream([a, c]));
    const events = [...new FrameReader(FRAME_FORMAT, { maxBody: 1 << 20 }).push(chunk)];
    const bodies = events.map((e) => (e.type === 'frame' ? e.body : Buffer.alloc(0)));
    expect(bodies.map((b) => b.toString('hex'))).toEqual([a.body.toString('hex'), c.body.toString('hex')]);
    for (const body of bodies) expect(body.buffer).toBe(chunk.buffer);
    expect(bodies[0]?.byteOffset).toBe(chunk.byteOffset + 10);
    expect(bodies[1]?.byteOffset).toBe(chunk.byteOffset + 10 + a.body.length + 10);
    chunk[10] = 0x48; // 'h' → 'H' in the chunk shows through the body
    expect(bodies[0]?.toString()).toBe('Hello');
  });

  it('a body that is a whole later chunk is a view of that chunk as well', () => {
    const frame = fdfsFrame(11, 0, Buffer.from('whole'));
    const reader = new FrameReader(FRAME_FORMAT, { maxBody: 1 << 20 });
    const bodyChunk = unpooled(frame.body);
    expect([...reader.push(unpooled(frame.wire))]).toEqual([]);
    const [event] = [...reader.push(bodyChunk)];
    expect(event?.type === 'frame' && event.body.buffer).toBe(bodyChunk.buffer);
    expect(event?.type === 'frame' && event.body.toString()).toBe('whole');
  });

  it('a buffered body that spans chunks is a copy: the chunks can be reused afterwards', () => {
    const frame = fdfsFrame(11, 0, Buffer.from('split-body'));
    const bytes = stream([frame]);
    const first = unpooled(bytes.subarray(0, 14));
    const second = unpooled(bytes.subarray(14));
    const reader = new FrameReader(FRAME_FORMAT, { maxBody: 1 << 20 });
    expect([...reader.push(first)]).toEqual([]);
    const [event] = [...reader.push(second)];
    const body = event?.type === 'frame' ? event.body : Buffer.alloc(0);
    expect(body.toString()).toBe('split-body');
    expect(body.buffer).not.toBe(first.buffer);
    expect(body.buffer).not.toBe(second.buffer);
    first.fill(0);
    second.fill(0);
    expect(body.toString()).toBe('split-body');
  });

  it('streamed chunks are views of the pushed chunks', () => {
    const frame = fdfsFrame(14, 0, Buffer.from('streamed body'));
    const bytes = stream([frame]);
    const first = unpooled(bytes.subarray(0, 15));
    const second = unpooled(bytes.subarray(15));
    const reader = new FrameReader(FRAME_FORMAT, { maxBody: 1 << 20, streamBody: () => true });
    const chunks = [first, second]
      .flatMap((c) => [...reader.push(c)])
      .flatMap((e) => (e.type === 'chunk' ? [e.chunk] : []));
    expect(chunks.map((c) => c.toString())).toEqual(['strea', 'med body']);
    expect(chunks[0]?.buffer).toBe(first.buffer);
    expect(chunks[0]?.byteOffset).toBe(first.byteOffset + 10);
    expect(chunks[1]?.buffer).toBe(second.buffer);
  });
});
