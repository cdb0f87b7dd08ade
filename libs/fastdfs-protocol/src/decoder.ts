import { ProtocolError } from './errors.js';

/**
 * Bounds-checked reader for FastDFS bodies: every read checks that the bytes are there,
 * so a short or hostile body becomes a ProtocolError, never an out-of-range read.
 */
export class Decoder {
  private offset = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what = 'body',
  ) {}

  canReadBytes(n: number): boolean {
    return this.offset + n <= this.buf.length;
  }

  private take(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new ProtocolError(`${this.what}: invalid length ${n} at offset ${this.offset}`);
    }
    if (!this.canReadBytes(n)) {
      throw new ProtocolError(
        `${this.what}: need ${n} bytes at offset ${this.offset}, have ${this.buf.length - this.offset}`,
      );
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  /** int64 BE as a JS number; throws when the value is beyond 2^53 (no FastDFS field legitimately is). */
  readInt64(): number {
    const value = this.buf.readBigInt64BE(this.take(8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new ProtocolError(`${this.what}: int64 ${value} out of the safe integer range`);
    }
    return Number(value);
  }

  readBigInt64(): bigint {
    return this.buf.readBigInt64BE(this.take(8));
  }

  readInt32(): number {
    return this.buf.readInt32BE(this.take(4));
  }

  readUInt8(): number {
    return this.buf.readUInt8(this.take(1));
  }

  /** `char[size]` up to the first NUL (a field filled to the brim has none). */
  readFixedString(size: number): string {
    const at = this.take(size);
    const field = this.buf.subarray(at, at + size);
    const nul = field.indexOf(0);
    return field.toString('latin1', 0, nul === -1 ? size : nul);
  }

  readBytes(n: number): Buffer {
    const at = this.take(n);
    return this.buf.subarray(at, at + n);
  }

  /** Everything not read yet. */
  readRest(): Buffer {
    return this.readBytes(this.remaining);
  }

  skip(n: number): this {
    this.take(n);
    return this;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  /** Fails when bytes are left over: a body longer than its layout is as wrong as a short one. */
  end(): void {
    if (this.remaining !== 0) {
      throw new ProtocolError(`${this.what}: ${this.remaining} unexpected trailing bytes`);
    }
  }
}
