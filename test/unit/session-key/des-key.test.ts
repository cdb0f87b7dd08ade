/**
 * Single DES-ECB through 3DES-EDE with K||K||K (des-key.ts), held to an independent DES: the
 * vectors below were computed at development time with OpenSSL's own single-DES cipher from the
 * legacy provider, which Node does not load:
 *
 *   echo <plain hex> | xxd -r -p | openssl enc -des-ecb -provider legacy -provider default -K <key hex> -nopad | xxd -p
 *
 * (OpenSSL 3.0.19). Two of them are also the classic published DES examples (FIPS 81's
 * "Now is t" and the 133457799BBCDFF1 textbook key).
 */
import { describe, expect, it } from 'vitest';
import { DesKey, SessionKeyError } from '@pic-storage/session-key';

const OPENSSL_DES_ECB: readonly { key: string; plain: string; encrypted: string }[] = [
  { key: '0123456789abcdef', plain: '0000000000000000', encrypted: 'd5d44ff720683d0d' },
  { key: '0123456789abcdef', plain: '4e6f772069732074', encrypted: '3fa40e8a984d4815' },
  { key: '133457799bbcdff1', plain: '0123456789abcdef', encrypted: '85e813540f0ab405' },
  {
    key: 'ffffffffffffffff',
    plain: 'ffffffffffffffff0000000000000000',
    encrypted: '7359b2163e4edc58caaaaf4deaf1dbae',
  },
  // 'pic$KEY1' with every byte's parity bit (the low bit) flipped: DES ignores those bits.
  {
    key: '70696324b5e93101',
    plain: '3930070003000a0101c53412200358020000000000000000',
    encrypted: 'cda3f7491c46bdeefe23283c19937ba79cbacc3d8db9c7bd',
  },
  { key: '8001010101010101', plain: '0000000000000000', encrypted: '95a8d72813daa94d' },
];

describe('DesKey: single DES-ECB', () => {
  for (const { key, plain, encrypted } of OPENSSL_DES_ECB) {
    it(`key ${key}: ${plain} ⇄ ${encrypted}, as openssl des-ecb`, () => {
      const des = DesKey.from(Buffer.from(key, 'hex'));
      expect(des.encrypt(Buffer.from(plain, 'hex')).toString('hex')).toBe(encrypted);
      expect(des.decrypt(Buffer.from(encrypted, 'hex')).toString('hex')).toBe(plain);
    });
  }

  it('ECB: each 8-byte block is encrypted alone (equal blocks, equal ciphertext)', () => {
    const des = DesKey.from('pic$KEY1');
    const block = Buffer.from('0011223344556677', 'hex');
    const twice = des.encrypt(Buffer.concat([block, block]));
    expect(twice.subarray(0, 8)).toEqual(twice.subarray(8));
    expect(twice.subarray(0, 8)).toEqual(des.encrypt(block));
  });

  it('one DesKey used for many calls, encrypt and decrypt interleaved, answers each as a fresh one would', () => {
    const shared = DesKey.from('pic$KEY1');
    for (let i = 0; i < 50; i++) {
      const data = Buffer.from(Array.from({ length: 8 * (1 + (i % 4)) }, (_, j) => (i * 31 + j * 7) & 0xff));
      const fresh = DesKey.from('pic$KEY1');
      const encrypted = shared.encrypt(data);
      expect(encrypted).toEqual(fresh.encrypt(data));
      expect(shared.decrypt(encrypted)).toEqual(data);
      expect(shared.decrypt(data)).toEqual(DesKey.from('pic$KEY1').decrypt(data));
    }
    expect(shared.encrypt(Buffer.alloc(0))).toEqual(Buffer.alloc(0));
  });

  it('the parity bits of the key do not matter (pic$KEY1 and its parity-flipped twin agree)', () => {
    const flipped = Buffer.from('pic$KEY1').map((byte) => byte ^ 1);
    const plain = Buffer.from('3930070003000a0101c53412200358020000000000000000', 'hex');
    expect(DesKey.from(flipped).encrypt(plain)).toEqual(DesKey.from('pic$KEY1').encrypt(plain));
  });

  it('a key that is not 8 bytes is a BAD_DES_KEY error that says so', () => {
    for (const key of ['', 'short', 'pic$KEY12', Buffer.alloc(7), Buffer.alloc(16)]) {
      let err: unknown;
      try {
        DesKey.from(key);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SessionKeyError);
      expect((err as SessionKeyError).code).toBe('BAD_DES_KEY');
      expect((err as SessionKeyError).message).toMatch(/^the DES key must be exactly 8 bytes/);
    }
    // 8 characters but 9 bytes in UTF-8: the key is bytes.
    expect(() => DesKey.from('pic$KEé1')).toThrow(/got 8 characters, 9 bytes/);
  });

  it('data that is not whole 8-byte blocks is refused, not padded', () => {
    const des = DesKey.from('pic$KEY1');
    expect(() => des.encrypt(Buffer.alloc(18))).toThrow(RangeError);
    expect(() => des.decrypt(Buffer.alloc(7))).toThrow(RangeError);
  });
});
