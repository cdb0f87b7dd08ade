/**
 * `char[N]` strings (docs/frame-protocol.md): printable ASCII, NUL-padded; a value filling all N bytes with no NUL
 * is accepted. The Encoder refuses what the Decoder would refuse; neither cuts nor wraps a value.
 */
import { describe, expect, it } from 'vitest';
import { Decoder, Encoder, ResultCode, ResultError, expectLength } from '@pic-storage/frame-protocol';
import { caught, hex } from '../../helpers/golden.js';

const bodyError = (fn: () => unknown): ResultError => {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ResultError);
  expect((err as ResultError).code).toBe(ResultCode.BAD_BODY);
  return err as ResultError;
};

describe('char[N]', () => {
  it('encodes NUL-padded', () => {
    expect(new Encoder(8).writeFixedString('abc', 8).toBuffer()).toEqual(hex('61626300 00000000'));
    expect(new Encoder(4).writeFixedString('', 4).toBuffer()).toEqual(hex('00000000'));
  });

  it('a value filling all N bytes has no NUL and is read whole', () => {
    const brim = 'x'.repeat(64);
    const bytes = new Encoder(64).writeFixedString(brim, 64).toBuffer();
    expect(bytes).toEqual(Buffer.from(brim, 'latin1'));
    expect(bytes.includes(0)).toBe(false);
    expect(new Decoder(bytes, 'test').readFixedString(64, 'f')).toBe(brim);
  });

  it('is read up to the first NUL; bytes after it are ignored', () => {
    expect(new Decoder(hex('61626300 7a7a7a00'), 'test').readFixedString(8, 'f')).toBe('abc');
    expect(new Decoder(hex('00616263'), 'test').readFixedString(4, 'f')).toBe('');
  });

  it('one byte over N is a RangeError, never cut', () => {
    expect(() => new Encoder(64).writeFixedString('x'.repeat(65), 64)).toThrow(/does not fit char\[64\]/);
  });

  it.each([
    ['latin1 é', 'caf\u00e9'],
    ['CJK', '\u56fe\u7247.jpg'],
    ['a control character', 'a\tb'],
    ['an embedded NUL', 'a\u0000b'],
    ['DEL', 'a\u007f'],
  ])('%s is not printable ASCII: the Encoder throws', (_what, value) => {
    expect(() => new Encoder(16).writeFixedString(value, 16)).toThrow(/not printable ASCII/);
  });

  it.each([
    ['a byte over 0x7e', hex('61e96300')],
    ['UTF-8 bytes', Buffer.from('\u56fe\0', 'utf8')],
    ['a control byte', hex('610a6200')],
    ['DEL', hex('617f0000')],
  ])('%s before the NUL is BAD_BODY when decoding', (_what, bytes) => {
    const err = bodyError(() => new Decoder(bytes, 'crop (3005)').readFixedString(bytes.length, 'fdfs_url'));
    expect(err.message).toBe('crop (3005): fdfs_url is not printable ASCII');
  });
});

describe('Decoder bounds', () => {
  it('reads little-endian integers and names the offset of a short read', () => {
    const decoder = new Decoder(hex('0100 02000000 feffffff 05'), 'test');
    expect([decoder.readUInt16(), decoder.readUInt32(), decoder.readInt32()]).toEqual([1, 2, -2]);
    expect(decoder.remaining).toBe(1);
    expect(bodyError(() => decoder.readUInt32()).message).toBe('test: need 4 bytes at offset 10, body has 11');
  });

  it('end() rejects leftovers', () => {
    const decoder = new Decoder(hex('01000000 00'), 'test');
    decoder.readUInt32();
    expect(bodyError(() => decoder.end()).message).toBe('test: 1 bytes past the end of the body');
  });

  it('expectLength', () => {
    expect(() => expectLength(Buffer.alloc(92), 92, 'crop')).not.toThrow();
    expect(bodyError(() => expectLength(Buffer.alloc(91), 92, 'crop')).message).toBe(
      'crop: body is 91 bytes, expected 92',
    );
  });

  it('the Encoder checks that the layout was filled exactly', () => {
    expect(() => new Encoder(8).writeUInt32(1).toBuffer()).toThrow('encoder wrote 4 of 8 bytes');
    expect(() => new Encoder(4).writeUInt32(-1)).toThrow(RangeError);
    expect(() => new Encoder(4).writeInt32(2 ** 31)).toThrow(RangeError);
  });
});
