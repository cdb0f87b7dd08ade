/**
 * Chained writer for FastDFS bodies. All integers on the FastDFS wire are big-endian
 * (`long2buff` / `int2buff` in libfastcommon); fixed strings are NUL-padded `char[N]`.
 */
export class Encoder {
  private chunks: Buffer[] = [];
  private length = 0;

  private push(buf: Buffer): this {
    this.chunks.push(buf);
    this.length += buf.length;
    return this;
  }

  writeInt64(value: number | bigint): this {
    const buf = Buffer.allocUnsafe(8);
    buf.writeBigInt64BE(BigInt(value));
    return this.push(buf);
  }

  writeUInt8(value: number): this {
    const buf = Buffer.allocUnsafe(1);
    buf.writeUInt8(value & 0xff);
    return this.push(buf);
  }

  /** `char[size]`: the value is truncated to `size` bytes and NUL-padded. */
  writeFixedString(value: string | Buffer, size: number): this {
    const buf = Buffer.alloc(size);
    (typeof value === 'string' ? Buffer.from(value, 'latin1') : value).copy(buf, 0, 0, size);
    return this.push(buf);
  }

  /** Raw bytes, no length prefix (FastDFS sends lengths in separate fields). */
  writeBytes(value: string | Buffer): this {
    return this.push(typeof value === 'string' ? Buffer.from(value, 'latin1') : value);
  }

  get size(): number {
    return this.length;
  }

  toBuffer(): Buffer {
    return this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.length);
  }
}
