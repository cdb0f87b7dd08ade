/** Room an encoder starts with: every fixed request body but metadata and slave uploads fits. */
const INITIAL_SIZE = 128;

/**
 * Chained writer for FastDFS bodies. All integers on the FastDFS wire are big-endian
 * (`long2buff` / `int2buff` in libfastcommon); fixed strings are NUL-padded `char[N]`.
 * Fields are written into one growing buffer (one allocation for a typical request, which
 * every client request encodes once).
 */
export class Encoder {
  private buf = Buffer.allocUnsafe(INITIAL_SIZE);
  private length = 0;

  /** Makes room for `n` more bytes; returns where they go. */
  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + n));
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    this.length = at + n;
    return at;
  }

  writeInt64(value: number | bigint): this {
    const at = this.reserve(8);
    if (typeof value === 'number' && Number.isSafeInteger(value)) {
      // Two's complement in two words, no BigInt.
      const high = Math.floor(value / 2 ** 32);
      this.buf.writeInt32BE(high, at);
      this.buf.writeUInt32BE(value - high * 2 ** 32, at + 4);
    } else {
      this.buf.writeBigInt64BE(BigInt(value), at);
    }
    return this;
  }

  writeUInt8(value: number): this {
    const at = this.reserve(1); // first: reserve() may replace this.buf
    this.buf.writeUInt8(value & 0xff, at);
    return this;
  }

  /** `char[size]`: the value is truncated to `size` bytes and NUL-padded. */
  writeFixedString(value: string | Buffer, size: number): this {
    const at = this.reserve(size);
    const written =
      typeof value === 'string'
        ? this.buf.write(value, at, size, 'latin1')
        : value.copy(this.buf, at, 0, Math.min(size, value.length));
    this.buf.fill(0, at + written, at + size);
    return this;
  }

  /** Raw bytes, no length prefix (FastDFS sends lengths in separate fields). */
  writeBytes(value: string | Buffer): this {
    const n = typeof value === 'string' ? Buffer.byteLength(value, 'latin1') : value.length;
    const at = this.reserve(n); // first: reserve() may replace this.buf
    if (typeof value === 'string') this.buf.write(value, at, n, 'latin1');
    else value.copy(this.buf, at);
    return this;
  }

  get size(): number {
    return this.length;
  }

  /** The bytes written; a view of the encoder's buffer (write nothing more after taking it). */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
