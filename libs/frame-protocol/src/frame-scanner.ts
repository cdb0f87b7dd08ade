import { FrameError } from '@pic-storage/framing';
import { HEADER_SIZE } from './header.js';

const EMPTY = Buffer.alloc(0);

/**
 * Whole 18-byte frames in the chunks a socket delivers, found without allocating: the pulled form
 * of the shared FrameReader, for the paths that handle a frame as bytes (a proxy relaying it, a
 * reply copied into a write batch) and would otherwise pay for an event, a header object and a
 * body view per frame.
 *
 *   scanner.push(chunk);
 *   while (scanner.next()) use(scanner.buf, scanner.at, scanner.length);
 *
 * After a `next()` that returned true, the frame is `buf[at, at + length)`: the chunk it lies in
 * when it came in one, else a buffer of its own that its parts were joined into. The fields stay
 * until the next call, so a caller may stop between frames and come back to the one it holds.
 * A frame's `len` is checked as soon as its first 4 bytes are in: under 18 or over
 * `maxFrameLength` is a FrameError ('limit') and the stream cannot go on.
 */
export class FrameScanner {
  buf: Buffer = EMPTY;
  at = 0;
  length = 0;
  private readonly chunks: Buffer[] = [];
  private chunk: Buffer = EMPTY;
  private pos = 0;
  /** A frame split across chunks: its header bytes so far, then its own buffer being filled. */
  private readonly head = Buffer.allocUnsafe(HEADER_SIZE);
  private headHave = 0;
  private joined: Buffer | undefined;
  private joinedHave = 0;

  constructor(private readonly maxFrameLength: number) {}

  push(chunk: Buffer): void {
    if (chunk.length > 0) this.chunks.push(chunk);
  }

  /**
   * Bytes pushed that next() has not looked at: there may be a frame without another push. (Once
   * next() returns false there are none; the part of a frame it keeps needs more bytes.)
   */
  get unread(): boolean {
    return this.pos < this.chunk.length || this.chunks.length > 0;
  }

  /** Forgets every byte pushed and not yet framed. */
  clear(): void {
    this.chunks.length = 0;
    this.chunk = EMPTY;
    this.pos = 0;
    this.headHave = 0;
    this.joined = undefined;
  }

  /** Moves to the next complete frame: false when the bytes pushed hold none. */
  next(): boolean {
    for (;;) {
      if (this.pos >= this.chunk.length) {
        const chunk = this.chunks.shift();
        if (chunk === undefined) return false;
        this.chunk = chunk;
        this.pos = 0;
      }
      if (this.joined !== undefined || this.headHave > 0) {
        if (this.join()) return true;
        continue;
      }
      const left = this.chunk.length - this.pos;
      if (left >= 4) {
        const length = this.checkedLength(this.chunk.readUInt32LE(this.pos));
        if (left >= length) {
          this.buf = this.chunk;
          this.at = this.pos;
          this.length = length;
          this.pos += length;
          return true;
        }
      }
      // The frame goes on in a later chunk: its bytes are kept from here.
      if (left >= HEADER_SIZE) this.startJoined(this.chunk, this.pos);
      else {
        this.chunk.copy(this.head, 0, this.pos);
        this.headHave = left;
        this.pos = this.chunk.length;
      }
    }
  }

  /** Takes bytes of the current chunk into the split frame; true once it is whole. */
  private join(): boolean {
    if (this.joined === undefined) {
      const n = Math.min(HEADER_SIZE - this.headHave, this.chunk.length - this.pos);
      this.chunk.copy(this.head, this.headHave, this.pos, this.pos + n);
      this.headHave += n;
      this.pos += n;
      if (this.headHave >= 4) this.checkedLength(this.head.readUInt32LE(0));
      if (this.headHave < HEADER_SIZE) return false;
      this.headHave = 0;
      this.startJoined(this.head, 0, false);
      if (this.joinedHave === this.length) return this.finishJoined();
    }
    const joined = this.joined as Buffer;
    const n = Math.min(this.length - this.joinedHave, this.chunk.length - this.pos);
    this.chunk.copy(joined, this.joinedHave, this.pos, this.pos + n);
    this.joinedHave += n;
    this.pos += n;
    return this.joinedHave === this.length && this.finishJoined();
  }

  /** A buffer for the frame whose header is at src[at..], with what `src` holds of it from there. */
  private startJoined(src: Buffer, at: number, fromChunk = true): void {
    const length = this.checkedLength(src.readUInt32LE(at));
    const have = fromChunk ? this.chunk.length - at : HEADER_SIZE;
    const joined = Buffer.allocUnsafe(length);
    src.copy(joined, 0, at, at + have);
    if (fromChunk) this.pos = this.chunk.length;
    this.joined = joined;
    this.joinedHave = have;
    this.length = length;
  }

  private finishJoined(): boolean {
    this.buf = this.joined as Buffer;
    this.at = 0;
    this.joined = undefined;
    return true;
  }

  private checkedLength(len: number): number {
    if (len < HEADER_SIZE) throw new FrameError('limit', `frame length ${len} is under the ${HEADER_SIZE}-byte header`);
    if (len > this.maxFrameLength) {
      throw new FrameError(
        'limit',
        `frame body of ${len - HEADER_SIZE} bytes exceeds the ${this.maxFrameLength - HEADER_SIZE}-byte limit`,
      );
    }
    return len;
  }
}
