import { badBody } from './result-error.js';

/**
 * Bounds-checked reader for frame bodies: every read checks the bytes are there, so a short or
 * lying body is a BAD_BODY ResultError, never an out-of-range read; `end()` rejects leftovers.
 */
export class Decoder {
  private at = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  private take(n: number): number {
    if (this.at + n > this.buf.length) {
      throw badBody(`${this.what}: need ${n} bytes at offset ${this.at}, body has ${this.buf.length}`);
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  readUInt16(): number {
    return this.buf.readUInt16LE(this.take(2));
  }

  readUInt32(): number {
    return this.buf.readUInt32LE(this.take(4));
  }

  readInt32(): number {
    return this.buf.readInt32LE(this.take(4));
  }

  /**
   * `char[size]` up to its first NUL (a value filling all `size` bytes has none). Only printable
   * ASCII is a string here; anything else is BAD_BODY.
   */
  readFixedString(size: number, field: string): string {
    const at = this.take(size);
    const raw = this.buf.subarray(at, at + size);
    const nul = raw.indexOf(0);
    const value = raw.subarray(0, nul === -1 ? size : nul);
    for (const byte of value) {
      if (byte < 0x20 || byte > 0x7e) throw badBody(`${this.what}: ${field} is not printable ASCII`);
    }
    return value.toString('latin1');
  }

  readBytes(n: number): Buffer {
    const at = this.take(n);
    return this.buf.subarray(at, at + n);
  }

  get remaining(): number {
    return this.buf.length - this.at;
  }

  /** Every byte must have been read: a longer body is BAD_BODY. */
  end(): void {
    if (this.at !== this.buf.length) {
      throw badBody(`${this.what}: ${this.buf.length - this.at} bytes past the end of the body`);
    }
  }
}

/** A body must be exactly `size` bytes for its command. */
export function expectLength(body: Buffer, size: number, what: string): void {
  if (body.length !== size) throw badBody(`${what}: body is ${body.length} bytes, expected ${size}`);
}
