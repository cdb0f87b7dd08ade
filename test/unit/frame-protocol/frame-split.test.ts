/**
 * The two readers of 18-byte frames: the shared FrameReader on FRAME_FORMAT (the test peers')
 * and FrameScanner (the services', frames found in place). A stream of several frames (empty,
 * small and large bodies, pipelined) gives the same frames however it is cut, at every byte
 * offset into two pieces, at pairs of offsets and into one-byte pieces; a bad len after good
 * frames is met after them, in order. Then what only the scanner promises: frames of one chunk
 * found where they lie, a bad len refused as soon as its 4 bytes are in, a held frame kept until
 * the next call.
 */
import { describe, expect, it } from 'vitest';
import { FrameError, FrameReader } from '@pic-storage/framing';
import { FRAME_FORMAT, FrameScanner, encodeFrame, maxBodyFor } from '@pic-storage/frame-protocol';

const FRAMES = [
  encodeFrame({ cmd: 3002, id: 1, seq: 1 }),
  encodeFrame({ cmd: 3005, id: 2, seq: 2 }, Buffer.alloc(92, 0x41)),
  encodeFrame({ cmd: 0x10b5, id: 3, seq: 3, ret: 0 }, Buffer.from('6e037fcd6c7014bc', 'latin1')),
  encodeFrame({ cmd: 3030, id: 0xffffffff, seq: 0xffffffff, ret: 1011 }, Buffer.alloc(300, 0x07)),
];
const STREAM = Buffer.concat(FRAMES);
/** Each frame as hex, header and body: what both readers must give back. */
const EXPECTED = FRAMES.map((frame) => frame.toString('hex'));

type Read = (pieces: Buffer[], maxFrameLength?: number) => { frames: string[]; error?: FrameError };

/** The FrameReader's frames, header re-encoded from its decoded fields. */
const readWithReader: Read = (pieces, maxFrameLength = 1024) => {
  const reader = new FrameReader(FRAME_FORMAT, { maxBody: maxBodyFor(maxFrameLength) });
  const frames: string[] = [];
  try {
    for (const piece of pieces) {
      for (const event of reader.push(piece)) {
        if (event.type === 'frame') frames.push(encodeFrame(event.header, event.body).toString('hex'));
      }
    }
  } catch (err) {
    return { frames, error: err as FrameError };
  }
  expect(reader.idle).toBe(true);
  return { frames };
};

/** The scanner's frames, as the bytes it points at; nothing unread left after each piece. */
const readWithScanner: Read = (pieces, maxFrameLength = 1024) => {
  const scanner = new FrameScanner(maxFrameLength);
  const frames: string[] = [];
  try {
    for (const piece of pieces) {
      scanner.push(piece);
      while (scanner.next()) frames.push(scanner.buf.toString('hex', scanner.at, scanner.at + scanner.length));
      expect(scanner.unread).toBe(false);
    }
  } catch (err) {
    return { frames, error: err as FrameError };
  }
  return { frames };
};

describe.each([
  ['FrameReader with the 18-byte format', readWithReader],
  ['FrameScanner', readWithScanner],
])('%s', (_name, read) => {
  it('reads the whole stream in one piece', () => {
    expect(read([STREAM]).frames).toEqual(EXPECTED);
  });

  it('gives the same frames cut at every byte offset', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const { frames, error } = read([STREAM.subarray(0, cut), STREAM.subarray(cut)]);
      expect(error, `cut at ${cut}`).toBeUndefined();
      expect(frames, `cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('gives the same frames cut at every pair of offsets', () => {
    const step = 7; // every pair would be ~110k reads; every 7th first cut still lands in every field
    for (let a = 0; a <= STREAM.length; a += step) {
      for (let b = a; b <= STREAM.length; b++) {
        const { frames } = read([STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)]);
        expect(frames, `cuts at ${a}, ${b}`).toEqual(EXPECTED);
      }
    }
  });

  it('gives the same frames one byte at a time', () => {
    expect(read([...STREAM].map((byte) => Buffer.of(byte))).frames).toEqual(EXPECTED);
  });

  it.each([
    ['len 17', 17, 1024],
    ['len 0', 0, 1024],
    ['len over the maximum', 1025, 1024],
    ['len 2^32-1', 0xffffffff, 1024 * 1024],
  ])('%s after good frames: the good ones first, then a FrameError, at any cut', (_what, len, max) => {
    const bad = Buffer.from(encodeFrame({ cmd: 1, id: 0, seq: 9 }));
    bad.writeUInt32LE(len, 0);
    const stream = Buffer.concat([STREAM, bad, Buffer.alloc(40)]);
    for (let cut = 0; cut <= stream.length; cut += 5) {
      const { frames, error } = read([stream.subarray(0, cut), stream.subarray(cut)], max);
      expect(frames).toEqual(EXPECTED);
      expect(error).toBeInstanceOf(FrameError);
      expect(error?.reason).toBe('limit');
    }
  });
});

describe('FrameScanner, what only it promises', () => {
  it('finds every frame of one chunk in place, with no copy', () => {
    const scanner = new FrameScanner(1024);
    scanner.push(STREAM);
    const places: [Buffer, number, number][] = [];
    while (scanner.next()) places.push([scanner.buf, scanner.at, scanner.length]);
    expect(places.map(([buf]) => buf === STREAM)).toEqual([true, true, true, true]);
    expect(places.map(([, at, length]) => [at, length])).toEqual([
      [0, 18],
      [18, 110],
      [128, 34],
      [162, 318],
    ]);
  });

  it('refuses a len over the maximum as soon as its 4 bytes are in, before the rest of the header', () => {
    const scanner = new FrameScanner(1024);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(1025);
    scanner.push(len.subarray(0, 3));
    expect(scanner.next()).toBe(false);
    scanner.push(len.subarray(3));
    expect(() => scanner.next()).toThrow(/exceeds the 1006-byte limit/);
  });

  it('a frame it holds stays until the next call; clear() forgets what was not framed', () => {
    const scanner = new FrameScanner(1024);
    scanner.push(Buffer.concat([STREAM, (FRAMES[1] as Buffer).subarray(0, 50)]));
    expect(scanner.next()).toBe(true);
    expect(scanner.unread).toBe(true);
    expect(scanner.buf.toString('hex', scanner.at, scanner.at + scanner.length)).toBe(EXPECTED[0]);
    scanner.clear();
    expect(scanner.unread).toBe(false);
    scanner.push(FRAMES[2] as Buffer); // the half frame was dropped: this one is read from its start
    expect(scanner.next()).toBe(true);
    expect(scanner.buf.toString('hex', scanner.at, scanner.at + scanner.length)).toBe(EXPECTED[2]);
    expect(scanner.next()).toBe(false);
  });
});
