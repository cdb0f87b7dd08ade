import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { SessionKeyError } from './errors.js';

/** Single DES works on 8-byte blocks with an 8-byte key (56 bits used, the low bit of each byte is parity). */
export const DES_BLOCK_SIZE = 8;
export const DES_KEY_SIZE = 8;

/*
 * Single DES-ECB without OpenSSL's legacy provider. OpenSSL 3 moved `des-ecb` to the legacy
 * provider, which Node does not load (and loading it takes a process-wide flag). Triple DES
 * (EDE) is still in the default provider, and with the key K||K||K it is single DES:
 * E_K(D_K(E_K(x))) = E_K(x), and decryption likewise. The format is unchanged, byte for byte.
 */
const CIPHER = 'des-ede3';

/** An 8-byte single-DES key, checked once; encrypts and decrypts whole 8-byte blocks, ECB, no padding. */
export class DesKey {
  private constructor(private readonly ede3: KeyObject) {}

  /**
   * `key` as text is taken as its UTF-8 bytes (the conf value and PIC_SESSION_DES_KEY are 8 ASCII
   * characters). Anything but exactly 8 bytes is a BAD_DES_KEY SessionKeyError.
   */
  static from(key: string | Uint8Array): DesKey {
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (bytes.length !== DES_KEY_SIZE) {
      const shown = typeof key === 'string' ? `${key.length} characters, ${bytes.length} bytes` : `${bytes.length}`;
      throw new SessionKeyError(
        'BAD_DES_KEY',
        `the DES key must be exactly 8 bytes (8 ASCII characters), got ${shown}`,
      );
    }
    const desKey = new DesKey(createSecretKey(Buffer.concat([bytes, bytes, bytes])));
    desKey.encrypt(Buffer.alloc(DES_BLOCK_SIZE)); // fails here, at start, on an OpenSSL without 3DES
    return desKey;
  }

  encrypt(plain: Buffer): Buffer {
    checkBlocks(plain);
    const cipher = createCipheriv(CIPHER, this.ede3, null).setAutoPadding(false);
    return Buffer.concat([cipher.update(plain), cipher.final()]);
  }

  decrypt(encrypted: Buffer): Buffer {
    checkBlocks(encrypted);
    const decipher = createDecipheriv(CIPHER, this.ede3, null).setAutoPadding(false);
    return Buffer.concat([decipher.update(encrypted), decipher.final()]);
  }
}

/** What the session-key functions take as their key: a checked DesKey, or its 8 bytes / characters. */
export type DesKeyInput = DesKey | string | Uint8Array;

export function desKeyOf(key: DesKeyInput): DesKey {
  return key instanceof DesKey ? key : DesKey.from(key);
}

function checkBlocks(data: Buffer): void {
  if (data.length % DES_BLOCK_SIZE !== 0) {
    throw new RangeError(`DES-ECB without padding works on whole 8-byte blocks, got ${data.length} bytes`);
  }
}
