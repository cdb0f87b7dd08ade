/** What a `char[N]` may hold (the Decoder accepts the same). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Chained writer for frame bodies: integers little-endian, strings as NUL-padded `char[N]`.
 * Sizes are fixed by each command's layout, so the buffer is allocated once, exactly.
 */
export class Encoder {
  private readonly buf: Buffer;
  private at = 0;

  constructor(size: number) {
    this.buf = Buffer.alloc(size);
  }

  writeUInt16(value: number): this {
    this.at = this.buf.writeUInt16LE(value, this.at);
    return this;
  }

  writeUInt32(value: number): this {
    this.at = this.buf.writeUInt32LE(value, this.at);
    return this;
  }

  writeInt32(value: number): this {
    this.at = this.buf.writeInt32LE(value, this.at);
    return this;
  }

  /**
   * `char[size]`: printable ASCII, NUL-padded; a value may fill all `size` bytes. Longer, or any
   * other character (which latin1 would silently cut to a byte), is a RangeError, never sent.
   */
  writeFixedString(value: string, size: number): this {
    const shown = JSON.stringify(value.slice(0, 80));
    if (!PRINTABLE_ASCII.test(value))
      throw new RangeError(`${shown} is not printable ASCII, cannot go in char[${size}]`);
    if (value.length > size) throw new RangeError(`${shown} does not fit char[${size}]`);
    this.buf.write(value, this.at, value.length, 'latin1');
    this.at += size; // the rest is already 0 (Buffer.alloc)
    return this;
  }

  writeBytes(value: Buffer): this {
    value.copy(this.buf, this.at);
    this.at += value.length;
    return this;
  }

  /** The body; throws when the layout's size and the fields written disagree (a codec bug). */
  toBuffer(): Buffer {
    if (this.at !== this.buf.length) throw new Error(`encoder wrote ${this.at} of ${this.buf.length} bytes`);
    return this.buf;
  }
}
