/**
 * The 18-byte header and whole frames, byte for byte against hand-written golden bytes (docs/frame-protocol.md:
 * len uint32, cmd uint16, id uint32, seq uint32, ret uint32, all little-endian).
 */
import { describe, expect, it } from 'vitest';
import { FrameError } from '@pic-storage/framing';
import {
  DEFAULT_MAX_FRAME_LENGTH,
  FRAME_FORMAT,
  HEADER_SIZE,
  decodeHeader,
  encodeFrame,
  encodeHeader,
  maxBodyFor,
} from '@pic-storage/frame-protocol';
import { caught, hex } from '../../helpers/golden.js';

// A crop request's header: len 110 (18 + 92), cmd 3005, id 12345, seq 7, ret 0.
const CROP_HEADER = hex('6e000000 | bd0b | 39300000 | 07000000 | 00000000');
// A response header with every field at its widest: len 2^32-1, cmd 0xffff, id, seq and ret at 2^32-1.
const WIDEST = hex('ffffffff | ffff | ffffffff | ffffffff | ffffffff');

describe('header', () => {
  it('is 18 bytes, 1 MiB frames by default', () => {
    expect(HEADER_SIZE).toBe(18);
    expect(DEFAULT_MAX_FRAME_LENGTH).toBe(1024 * 1024);
    expect(maxBodyFor(DEFAULT_MAX_FRAME_LENGTH)).toBe(1024 * 1024 - 18);
  });

  it('encodes the golden bytes, little-endian, fields at their offsets', () => {
    expect(encodeHeader({ len: 110, cmd: 3005, id: 12345, seq: 7, ret: 0 })).toEqual(CROP_HEADER);
    const max = 0xffffffff;
    expect(encodeHeader({ len: max, cmd: 0xffff, id: max, seq: max, ret: max })).toEqual(WIDEST);
    expect(encodeHeader({ len: 18, cmd: 0x10b5, id: 1, seq: 0x01020304, ret: 1099 })).toEqual(
      hex('12000000 | b510 | 01000000 | 04030201 | 4b040000'),
    );
  });

  it('writes at an offset into a given buffer', () => {
    const into = Buffer.alloc(20, 0xaa);
    encodeHeader({ len: 110, cmd: 3005, id: 12345, seq: 7, ret: 0 }, into, 2);
    expect(into.subarray(0, 2)).toEqual(hex('aaaa'));
    expect(into.subarray(2)).toEqual(CROP_HEADER);
  });

  it('decodes the golden bytes', () => {
    expect(decodeHeader(CROP_HEADER)).toEqual({ len: 110, cmd: 3005, id: 12345, seq: 7, ret: 0 });
    const max = 0xffffffff;
    expect(decodeHeader(WIDEST)).toEqual({ len: max, cmd: 0xffff, id: max, seq: max, ret: max });
    expect(decodeHeader(Buffer.concat([hex('0000'), CROP_HEADER]), 2).seq).toBe(7);
  });

  it.each([0, 1, 17])('len %i (under the header) is a FrameError limit', (len) => {
    const raw = Buffer.from(CROP_HEADER);
    raw.writeUInt32LE(len, 0);
    const err = caught(() => decodeHeader(raw));
    expect(err).toBeInstanceOf(FrameError);
    expect((err as FrameError).reason).toBe('limit');
    expect((err as FrameError).message).toMatch(`frame length ${len} is under the 18-byte header`);
  });

  it('len 18 is a header-only frame', () => {
    expect(FRAME_FORMAT.bodyLength(decodeHeader(hex('12000000 0100 00000000 00000000 00000000')))).toBe(0);
  });

  it('rejects fields out of range when encoding (never wraps)', () => {
    expect(() => encodeHeader({ len: 18, cmd: 0x10000, id: 0, seq: 0, ret: 0 })).toThrow(RangeError);
    expect(() => encodeHeader({ len: 18, cmd: 1, id: -1, seq: 0, ret: 0 })).toThrow(RangeError);
    expect(() => encodeHeader({ len: 2 ** 32, cmd: 1, id: 0, seq: 0, ret: 0 })).toThrow(RangeError);
  });
});

describe('encodeFrame', () => {
  it('is header and body in one buffer, len counting both', () => {
    const frame = encodeFrame({ cmd: 3030, id: 9, seq: 0x0a0b0c0d, ret: 1011 }, hex('01000000 05000000'));
    expect(frame).toEqual(hex('1a000000 | d60b | 09000000 | 0d0c0b0a | f3030000 | 01000000 05000000'));
  });

  it('is header-only without a body, ret 0 by default', () => {
    expect(encodeFrame({ cmd: 3002, id: 0, seq: 1 })).toEqual(hex('12000000 | ba0b | 00000000 | 01000000 | 00000000'));
  });
});
