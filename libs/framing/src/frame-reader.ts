import { FrameError } from './frame-error.js';

/**
 * The shape of a length-prefixed frame: a fixed header that announces the body length.
 * FastDFS: 10 bytes, int64 BE length first; the framed services: 18 bytes, little-endian.
 */
export interface FrameFormat<H> {
  readonly headerSize: number;
  /**
   * Decodes the `headerSize` bytes at `at` of `buf` (read in place: no view is made per frame);
   * throws on a malformed header (a negative or overflowing length).
   */
  decodeHeader(buf: Buffer, at: number): H;
  bodyLength(header: H): number;
}

export interface FrameReaderOptions<H> {
  /**
   * The largest body a frame may announce; a larger one is a FrameError before any body byte is
   * taken. A function sees each header first and may also throw to reject it.
   */
  maxBody: number | ((header: H) => number);
  /** Whether this frame's body is handed out in chunks as it arrives instead of whole; default never. */
  streamBody?: (header: H) => boolean;
}

/**
 * What `push` yields. A buffered frame is one `frame`; a streamed one is `head`, zero or more
 * `chunk`s (views into the pushed buffers, not copies) and `end`.
 */
export type FrameEvent<H> =
  | { type: 'frame'; header: H; body: Buffer }
  | { type: 'head'; header: H; bodyLength: number }
  | { type: 'chunk'; chunk: Buffer }
  | { type: 'end' };

const EMPTY = Buffer.alloc(0);

/** The body length a header announces, checked against the reader's limit (FrameError 'limit'). */
export function checkedBodyLength<H>(format: FrameFormat<H>, options: FrameReaderOptions<H>, header: H): number {
  const length = format.bodyLength(header);
  const { maxBody } = options;
  const max = typeof maxBody === 'function' ? maxBody(header) : maxBody;
  if (!Number.isSafeInteger(length) || length < 0 || length > max) {
    throw new FrameError('limit', `frame body of ${length} bytes exceeds the ${max}-byte limit`);
  }
  return length;
}

/**
 * Frame assembly, socket-free: push the chunks a socket delivers, iterate the events they
 * complete. Any number of frames per chunk and any split of a frame across chunks. Bodies
 * are collected as they arrive (a header announcing more than was sent costs nothing).
 *
 * The events are produced lazily: stop iterating only to abandon the stream, since the rest
 * of that chunk is then dropped.
 */
export class FrameReader<H> {
  private readonly headerBuf: Buffer;
  private headerHave = 0;
  private header: H | undefined;
  private bodyLeft = 0;
  private streaming = false;
  private bodyParts: Buffer[] = [];

  constructor(
    private readonly format: FrameFormat<H>,
    private readonly options: FrameReaderOptions<H>,
  ) {
    this.headerBuf = Buffer.allocUnsafe(format.headerSize);
  }

  /** True between frames: no header or body bytes are held. */
  get idle(): boolean {
    return this.header === undefined && this.headerHave === 0;
  }

  *push(chunk: Buffer): Generator<FrameEvent<H>, void, undefined> {
    let at = 0;
    while (at < chunk.length) {
      if (this.header === undefined) {
        const { headerSize } = this.format;
        let header: H;
        if (this.headerHave === 0 && chunk.length - at >= headerSize) {
          header = this.format.decodeHeader(chunk, at);
          at += headerSize;
        } else {
          const n = Math.min(headerSize - this.headerHave, chunk.length - at);
          chunk.copy(this.headerBuf, this.headerHave, at, at + n);
          this.headerHave += n;
          at += n;
          if (this.headerHave < headerSize) return;
          this.headerHave = 0;
          header = this.format.decodeHeader(this.headerBuf, 0);
        }
        const event = this.begin(header);
        if (event !== undefined) yield event;
        if (this.header === undefined || this.bodyLeft > 0) continue;
        yield this.finish(); // an empty body
        continue;
      }
      const n = Math.min(this.bodyLeft, chunk.length - at);
      const part = n === chunk.length ? chunk : chunk.subarray(at, at + n);
      at += n;
      this.bodyLeft -= n;
      if (this.streaming) yield { type: 'chunk', chunk: part };
      else this.bodyParts.push(part);
      if (this.bodyLeft === 0) yield this.finish();
    }
  }

  /** A header is in: check its length, decide how its body is received. */
  private begin(header: H): FrameEvent<H> | undefined {
    const length = checkedBodyLength(this.format, this.options, header);
    this.header = header;
    this.bodyLeft = length;
    this.streaming = this.options.streamBody?.(header) ?? false;
    return this.streaming ? { type: 'head', header, bodyLength: length } : undefined;
  }

  private finish(): FrameEvent<H> {
    const header = this.header as H;
    this.header = undefined;
    if (this.streaming) return { type: 'end' };
    const parts = this.bodyParts;
    this.bodyParts = [];
    const body = parts.length === 0 ? EMPTY : parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    return { type: 'frame', header, body };
  }
}
