/**
 * Encoder (libs/fastdfs-protocol/src/encoder.ts): fields written into one growing buffer. Every
 * method against bytes built by hand, at every offset around the buffer's growth (128 bytes), so
 * a write that lands in the buffer being replaced shows.
 */
import { describe, expect, it } from 'vitest';
import { Encoder } from 'fastdfs-protocol';

function int64(value: bigint): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64BE(value);
  return buf;
}

/** Each field: how the Encoder writes it, and its bytes built by hand. */
const FIELDS: Array<[string, (e: Encoder) => Encoder, Buffer]> = [
  ['writeUInt8(0x1ff)', (e) => e.writeUInt8(0x1ff), Buffer.from([0xff])],
  ['writeInt64(-1)', (e) => e.writeInt64(-1), int64(-1n)],
  ['writeInt64(2^40 + 5)', (e) => e.writeInt64(2 ** 40 + 5), int64(2n ** 40n + 5n)],
  ['writeInt64(-(2^53 - 1))', (e) => e.writeInt64(-Number.MAX_SAFE_INTEGER), int64(-(2n ** 53n - 1n))],
  ['writeInt64(2^63 - 1 as bigint)', (e) => e.writeInt64(2n ** 63n - 1n), int64(2n ** 63n - 1n)],
  ['writeFixedString("group1", 16)', (e) => e.writeFixedString('group1', 16), Buffer.from('group1'.padEnd(16, '\0'))],
  ['writeFixedString truncates', (e) => e.writeFixedString('abcdefgh', 3), Buffer.from('abc')],
  ['writeFixedString(Buffer)', (e) => e.writeFixedString(Buffer.from([1, 2]), 4), Buffer.from([1, 2, 0, 0])],
  ['writeBytes(string)', (e) => e.writeBytes('M00/00/00/x.jpg'), Buffer.from('M00/00/00/x.jpg', 'latin1')],
  ['writeBytes(latin1 beyond ASCII)', (e) => e.writeBytes('é\u00ff'), Buffer.from([0xe9, 0xff])],
  ['writeBytes(Buffer)', (e) => e.writeBytes(Buffer.alloc(300, 7)), Buffer.alloc(300, 7)],
];

describe('Encoder', () => {
  it.each(FIELDS)('%s at every offset from 100 to 140 (the buffer grows at 128)', (_name, write, bytes) => {
    for (let before = 100; before <= 140; before++) {
      const e = new Encoder().writeBytes(Buffer.alloc(before, 0xaa));
      write(e).writeUInt8(0x55);
      const expected = Buffer.concat([Buffer.alloc(before, 0xaa), bytes, Buffer.from([0x55])]);
      expect(e.size).toBe(expected.length);
      expect(e.toBuffer()).toEqual(expected);
    }
  });

  it('a padded fixed string is zero-filled even over bytes an earlier, larger buffer held', () => {
    const e = new Encoder();
    for (let i = 0; i < 20; i++) e.writeFixedString('x', 16);
    const out = e.toBuffer();
    for (let i = 0; i < 20; i++) expect(out.subarray(i * 16, i * 16 + 16)).toEqual(Buffer.from('x'.padEnd(16, '\0')));
  });

  it('an empty encoder gives an empty buffer', () => {
    expect(new Encoder().toBuffer()).toEqual(Buffer.alloc(0));
  });
});
