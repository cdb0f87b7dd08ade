/**
 * The session key (docs/session-key.md): the 18-byte struct byte for byte, the published test vector (made
 * with OpenSSL's des-ecb), issue → decode round trips, and every kind of bad key text.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeSessionKey,
  decodeSessionStruct,
  DesKey,
  encodeSessionStruct,
  issueSessionKey,
  SessionKeyError,
  SESSION_STRUCT_SIZE,
  verifySessionKey,
  type SessionFields,
} from '@pic-storage/session-key';

const KEY = 'pic$KEY1';
const VECTOR_FIELDS: SessionFields = {
  uid: 12345,
  channel: 7,
  albumid: 3,
  ip: '10.1.1.197',
  time: 4660,
  widthLimit: 800,
  heightLimit: 600,
  isHead: 0,
};
const VECTOR_PLAINTEXT = '3930070003000a0101c53412200358020000000000000000';
const VECTOR_KEY = '6e037fcd6c7014bc2161ca524ecc997289ff0fda9b3e1885';

function sessionKeyError(fn: () => unknown): SessionKeyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SessionKeyError);
    return err as SessionKeyError;
  }
  throw new Error('expected a SessionKeyError');
}

describe('the session struct', () => {
  it('the vector fields are the vector plaintext (18 bytes; the key adds 6 zero bytes)', () => {
    const struct = encodeSessionStruct(VECTOR_FIELDS);
    expect(struct.length).toBe(SESSION_STRUCT_SIZE);
    expect(struct.toString('hex')).toBe(VECTOR_PLAINTEXT.slice(0, 36));
    expect(decodeSessionStruct(struct)).toEqual(VECTOR_FIELDS);
  });

  it('layout: uint16 LE fields, i_ip in network order at offset 6', () => {
    const struct = encodeSessionStruct({
      uid: 0x0102,
      channel: 0x0304,
      albumid: 0x0506,
      ip: '7.8.9.10',
      time: 0x0c0b,
      widthLimit: 0x0e0d,
      heightLimit: 0x100f,
      isHead: 0x1211,
    });
    expect(struct.toString('hex')).toBe('020104030605' + '0708090a' + '0b0c0d0e0f101112');
  });

  it('every field at its extremes round-trips', () => {
    for (const value of [0, 1, 0xffff]) {
      const fields = { ...VECTOR_FIELDS, uid: value, channel: value, albumid: value, time: value, isHead: value };
      expect(decodeSessionStruct(encodeSessionStruct(fields))).toEqual(fields);
    }
    for (const ip of ['0.0.0.0', '255.255.255.255', '192.168.0.1']) {
      expect(decodeSessionStruct(encodeSessionStruct({ ...VECTOR_FIELDS, ip })).ip).toBe(ip);
    }
  });

  it('a field out of range is a BAD_FIELD error naming it, never truncated', () => {
    for (const [name, value] of [
      ['uid', 65536],
      ['uid', -1],
      ['albumid', 1.5],
      ['widthLimit', Number.NaN],
    ] as const) {
      const err = sessionKeyError(() => encodeSessionStruct({ ...VECTOR_FIELDS, [name]: value }));
      expect(err.code).toBe('BAD_FIELD');
      expect(err.message).toContain(name);
    }
    for (const ip of ['10.1.1', '10.1.1.256', '10.01.1.1', 'a.b.c.d', '::1', ' 10.1.1.1']) {
      expect(sessionKeyError(() => encodeSessionStruct({ ...VECTOR_FIELDS, ip })).message).toMatch(/^ip must be/);
    }
  });
});

describe('issueSessionKey / decodeSessionKey', () => {
  it('the published test vector, both ways', () => {
    expect(issueSessionKey(VECTOR_FIELDS, KEY)).toBe(VECTOR_KEY);
    expect(decodeSessionKey(VECTOR_KEY, KEY)).toEqual(VECTOR_FIELDS);
    expect(decodeSessionKey(VECTOR_KEY.toUpperCase(), DesKey.from(KEY))).toEqual(VECTOR_FIELDS);
  });

  it('issue defaults: ip 0.0.0.0 (any server), zeros, time = the low 16 bits of now', () => {
    const now = 1_700_000_000;
    const fields = decodeSessionKey(issueSessionKey({ uid: 42 }, KEY, now), KEY);
    expect(fields).toEqual({
      uid: 42,
      channel: 0,
      albumid: 0,
      ip: '0.0.0.0',
      time: now % 65536,
      widthLimit: 0,
      heightLimit: 0,
      isHead: 0,
    });
  });

  it('issue → decode round-trips varied fields and keys', () => {
    const keys = ['pic$KEY1', 'ABCDEFGH', '\x00\x01\x02\x03\x04\x05\x06\x07'];
    for (let i = 0; i < 50; i++) {
      const fields: SessionFields = {
        uid: (i * 7919) % 65536,
        channel: i,
        albumid: (i * 31) % 65536,
        ip: `${i}.${(i * 3) % 256}.${(i * 5) % 256}.${255 - i}`,
        time: (i * 1311) % 65536,
        widthLimit: i * 40,
        heightLimit: i * 30,
        isHead: i % 2,
      };
      const key = keys[i % keys.length] as string;
      const hex = issueSessionKey(fields, key);
      expect(hex).toMatch(/^[0-9a-f]{48}$/);
      expect(decodeSessionKey(hex, key)).toEqual(fields);
    }
  });

  it('text that is not 48 hex digits is SESSION_INVALID', () => {
    for (const hex of [
      '',
      VECTOR_KEY.slice(0, 47),
      VECTOR_KEY.slice(0, 46),
      `${VECTOR_KEY}00`,
      `${VECTOR_KEY.slice(0, 47)}g`,
      ` ${VECTOR_KEY.slice(1)}`,
      `${VECTOR_KEY}\n`,
      VECTOR_KEY.slice(0, 32),
      'x'.repeat(10_000),
    ]) {
      const err = sessionKeyError(() => decodeSessionKey(hex, KEY));
      expect(err.code).toBe('SESSION_INVALID');
      expect(err.message.length).toBeLessThan(120);
    }
  });

  it('a wrong DES key, or a changed last block, fails the zero-padding check', () => {
    expect(sessionKeyError(() => decodeSessionKey(VECTOR_KEY, 'pic$KEY2')).code).toBe('SESSION_INVALID');
    // Bytes 16-23 (hex 32-47) are the block holding is_head and the 6 padding bytes.
    for (let digit = 32; digit < 48; digit++) {
      const flipped =
        VECTOR_KEY.slice(0, digit) + (VECTOR_KEY[digit] === '0' ? '1' : '0') + VECTOR_KEY.slice(digit + 1);
      expect(sessionKeyError(() => decodeSessionKey(flipped, KEY)).code).toBe('SESSION_INVALID');
    }
  });

  it('ECB has no integrity: a changed first block decodes to other fields (docs/session-key.md)', () => {
    const changed = `${VECTOR_KEY.slice(0, 15)}${VECTOR_KEY[15] === '0' ? '1' : '0'}${VECTOR_KEY.slice(16)}`;
    const fields = decodeSessionKey(changed, KEY);
    expect(fields).not.toEqual(VECTOR_FIELDS);
    expect(fields.time).toBe(VECTOR_FIELDS.time); // the second and third blocks are untouched
  });

  it('verifySessionKey: decoded and in its window, else SESSION_EXPIRED', () => {
    const { fields, age } = verifySessionKey(VECTOR_KEY, KEY, 4660 + 10);
    expect(fields).toEqual(VECTOR_FIELDS);
    expect(age).toEqual({ age: 10, valid: true, remainingSeconds: 3590 });
    const err = sessionKeyError(() => verifySessionKey(VECTOR_KEY, KEY, 4660 + 3601));
    expect(err.code).toBe('SESSION_EXPIRED');
    expect(sessionKeyError(() => verifySessionKey('zz', KEY, 4660)).code).toBe('SESSION_INVALID');
  });
});
