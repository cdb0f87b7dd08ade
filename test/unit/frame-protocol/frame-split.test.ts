/**
 * The shared FrameReader on the 18-byte format: a stream of several frames (empty, small and
 * large bodies, pipelined) gives the same frames however it is cut, at every byte offset into two
 * pieces and into one-byte pieces; a bad len after good frames is met after them, in order.
 */
import { describe, expect, it } from 'vitest';
import { FrameError, FrameReader } from '@pic-storage/framing';
import { FRAME_FORMAT, encodeFrame, maxBodyFor, type FrameHeader } from '@pic-storage/frame-protocol';

interface Seen {
  header: FrameHeader;
  body: string;
}

const FRAMES = [
  encodeFrame({ cmd: 3002, id: 1, seq: 1 }),
  encodeFrame({ cmd: 3005, id: 2, seq: 2 }, Buffer.alloc(92, 0x41)),
  encodeFrame({ cmd: 0x10b5, id: 3, seq: 3, ret: 0 }, Buffer.from('6e037fcd6c7014bc', 'latin1')),
  encodeFrame({ cmd: 3030, id: 0xffffffff, seq: 0xffffffff, ret: 1011 }, Buffer.alloc(300, 0x07)),
];
const STREAM = Buffer.concat(FRAMES);
const EXPECTED: Seen[] = FRAMES.map((frame) => ({
  header: {
    len: frame.readUInt32LE(0),
    cmd: frame.readUInt16LE(4),
    id: frame.readUInt32LE(6),
    seq: frame.readUInt32LE(10),
    ret: frame.readUInt32LE(14),
  },
  body: frame.subarray(18).toString('hex'),
}));

function read(pieces: Buffer[], maxFrameLength = 1024): { frames: Seen[]; error?: FrameError } {
  const reader = new FrameReader(FRAME_FORMAT, { maxBody: maxBodyFor(maxFrameLength) });
  const frames: Seen[] = [];
  try {
    for (const piece of pieces) {
      for (const event of reader.push(piece)) {
        if (event.type === 'frame') frames.push({ header: event.header, body: event.body.toString('hex') });
      }
    }
  } catch (err) {
    return { frames, error: err as FrameError };
  }
  expect(reader.idle).toBe(true);
  return { frames };
}

describe('FrameReader with the 18-byte format', () => {
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
        expect(frames.length, `cuts at ${a}, ${b}`).toBe(EXPECTED.length);
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
