/**
 * FrameScanner, the allocation-free pulled reader of whole 18-byte frames: the same frames
 * however the stream is cut (every byte offset, pairs of offsets, one byte at a time), a frame
 * wholly in a chunk found where it lies, a bad len met after the good frames before it (and as
 * soon as its 4 bytes are in), and `unread` telling whether another next() can find a frame.
 */
import { describe, expect, it } from 'vitest';
import { FrameError } from '@pic-storage/framing';
import { FrameScanner, encodeFrame } from '@pic-storage/frame-protocol';

const FRAMES = [
  encodeFrame({ cmd: 3002, id: 1, seq: 1 }),
  encodeFrame({ cmd: 3005, id: 2, seq: 2 }, Buffer.alloc(92, 0x41)),
  encodeFrame({ cmd: 0x10b5, id: 3, seq: 3, ret: 0 }, Buffer.from('6e037fcd6c7014bc', 'latin1')),
  encodeFrame({ cmd: 3030, id: 0xffffffff, seq: 0xffffffff, ret: 1011 }, Buffer.alloc(300, 0x07)),
];
const STREAM = Buffer.concat(FRAMES);
const EXPECTED = FRAMES.map((frame) => frame.toString('hex'));

/** Pushes each piece and pulls what it completes: the frames as hex, and the error that stopped them. */
function scan(pieces: Buffer[], maxFrameLength = 1024): { frames: string[]; error?: FrameError } {
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
}

describe('FrameScanner', () => {
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

  it('gives the same frames cut at every byte offset', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const { frames, error } = scan([STREAM.subarray(0, cut), STREAM.subarray(cut)]);
      expect(error, `cut at ${cut}`).toBeUndefined();
      expect(frames, `cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('gives the same frames cut at every pair of offsets', () => {
    for (let a = 0; a <= STREAM.length; a += 7) {
      for (let b = a; b <= STREAM.length; b++) {
        const { frames } = scan([STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)]);
        expect(frames, `cuts at ${a}, ${b}`).toEqual(EXPECTED);
      }
    }
  });

  it('gives the same frames one byte at a time', () => {
    expect(scan([...STREAM].map((byte) => Buffer.of(byte))).frames).toEqual(EXPECTED);
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
      const { frames, error } = scan([stream.subarray(0, cut), stream.subarray(cut)], max);
      expect(frames).toEqual(EXPECTED);
      expect(error).toBeInstanceOf(FrameError);
      expect(error?.reason).toBe('limit');
    }
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
