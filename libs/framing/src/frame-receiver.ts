import { checkedBodyLength, type FrameEvent, type FrameFormat, type FrameReaderOptions } from './frame-reader.js';

export interface FrameReceiverOptions<H> extends FrameReaderOptions<H> {
  /**
   * Bytes of the buffer that reads between frames go into (default 8 KiB): a frame that fits
   * (header and body) is read whole in one read and its body copied out; a bigger one has the
   * part past it read straight into the body's own buffer.
   */
  scratchSize?: number;
  /** Largest buffer a streamed body is read into at once (default 64 KiB). */
  streamChunkSize?: number;
  /**
   * Largest buffered body allocated whole as soon as its header is in (default 16 MiB). A larger
   * one is read in parts of up to 1 MiB and joined once complete, so a header announcing more
   * than is ever sent costs at most a part.
   */
  maxPreallocate?: number;
}

/** The parts a body over maxPreallocate is read in. */
const PART_SIZE = 1024 * 1024;

const EMPTY = Buffer.alloc(0);

/**
 * Frame assembly for a socket that reads into buffers the receiver picks (net.connect's
 * `onread`): the FrameReader's events, but the socket's reads land where the bytes are kept.
 * A buffered body is read into a buffer of its exact size, so a body of any length up to
 * `maxPreallocate` is one allocation and no concatenation; a streamed body's chunks are buffers
 * of their own (views of one allocation per `streamChunkSize`), never copies. Only the bytes
 * that arrive in the small scratch buffer with a header are copied.
 *
 *   net.connect({ host, port, onread: { buffer: receiver.buffer, callback: (n) => receiver.received(n, sink) } })
 *
 * A read never takes bytes past the end of the body being read, so replies in flight one at a
 * time are read exactly; bytes that follow a frame in the same scratch read are framed as the
 * next frame (where a peer out of step shows).
 */
export class FrameReceiver<H> {
  private readonly scratch: Buffer;
  private readonly streamChunkSize: number;
  private readonly maxPreallocate: number;
  /** Partial header bytes kept at the start of the scratch buffer. */
  private kept = 0;
  private header: H | undefined;
  private streaming = false;
  /** Buffered body: its buffer and how much of it is in. */
  private body: Buffer = EMPTY;
  private filled = 0;
  /** Streamed body, or a buffered one read in parts: bytes still to come. */
  private bodyLeft = 0;
  /** The parts of a buffered body over maxPreallocate; undefined otherwise. */
  private parts: Buffer[] | undefined;
  private target: Buffer;

  constructor(
    private readonly format: FrameFormat<H>,
    private readonly options: FrameReceiverOptions<H>,
  ) {
    this.scratch = Buffer.allocUnsafe(Math.max(options.scratchSize ?? 8 * 1024, format.headerSize));
    this.streamChunkSize = options.streamChunkSize ?? 64 * 1024;
    this.maxPreallocate = options.maxPreallocate ?? 16 * 1024 * 1024;
    this.target = this.scratch;
  }

  /** The buffer the next read fills (net.connect `onread.buffer`). */
  readonly buffer = (): Buffer => this.target;

  /** True between frames: no header or body bytes are held. */
  get idle(): boolean {
    return this.header === undefined && this.kept === 0;
  }

  /**
   * `n` bytes were read into the buffer `buffer()` returned last (net.connect `onread.callback`).
   * Calls `onEvent` for each event they complete, in order. When `onEvent` or the format throws,
   * the receiver is unusable (the socket is to be closed).
   */
  received(n: number, onEvent: (event: FrameEvent<H>) => void): void {
    if (this.header !== undefined && !this.streaming && this.parts === undefined) {
      this.filled += n;
      if (this.filled < this.body.length) {
        this.target = this.body.subarray(this.filled);
        return;
      }
      this.target = this.scratch;
      onEvent(this.finish());
      return;
    }
    if (this.header !== undefined) {
      const chunk = this.target.subarray(0, n);
      this.bodyLeft -= n;
      this.target = this.target.length > n ? this.target.subarray(n) : EMPTY;
      if (this.bodyLeft > 0 && this.target.length === 0) this.target = this.partBuffer();
      if (this.parts !== undefined) this.parts.push(chunk);
      else onEvent({ type: 'chunk', chunk });
      if (this.bodyLeft === 0) {
        this.target = this.scratch;
        onEvent(this.finish());
      }
      return;
    }
    this.parseScratch(this.kept + n, onEvent);
  }

  /** Frames what the scratch buffer holds: `length` bytes from its start. */
  private parseScratch(length: number, onEvent: (event: FrameEvent<H>) => void): void {
    const data = this.scratch;
    const { headerSize } = this.format;
    let at = 0;
    this.kept = 0;
    this.target = this.scratch;
    while (at < length) {
      if (length - at < headerSize) {
        data.copyWithin(0, at, length);
        this.kept = length - at;
        this.target = this.scratch.subarray(this.kept);
        return;
      }
      const header = this.format.decodeHeader(data, at);
      at += headerSize;
      const bodyLength = this.begin(header);
      const available = Math.min(bodyLength, length - at);
      if (this.streaming) {
        onEvent({ type: 'head', header, bodyLength });
        // Copied: the scratch buffer is read into again.
        if (available > 0) onEvent({ type: 'chunk', chunk: Buffer.from(data.subarray(at, at + available)) });
        at += available;
        this.bodyLeft = bodyLength - available;
        if (this.bodyLeft > 0) {
          this.target = this.partBuffer();
          return;
        }
        onEvent(this.finish());
        continue;
      }
      if (bodyLength > this.maxPreallocate && available < bodyLength) {
        // Too big to allocate on the header's word alone: in parts, joined at the end.
        this.parts = [Buffer.from(data.subarray(at, at + available))];
        this.bodyLeft = bodyLength - available;
        this.target = this.partBuffer();
        return;
      }
      this.body = bodyLength === 0 ? EMPTY : Buffer.allocUnsafe(bodyLength);
      data.copy(this.body, 0, at, at + available);
      this.filled = available;
      at += available;
      if (available < bodyLength) {
        this.target = this.body.subarray(available);
        return;
      }
      onEvent(this.finish());
    }
  }

  /** A header is in: check its length, decide how its body is received (as FrameReader does). */
  private begin(header: H): number {
    const length = checkedBodyLength(this.format, this.options, header);
    this.header = header;
    this.streaming = this.options.streamBody?.(header) ?? false;
    return length;
  }

  /** The next buffer a streamed body, or a buffered one in parts, is read into. */
  private partBuffer(): Buffer {
    return Buffer.allocUnsafe(Math.min(this.bodyLeft, this.parts === undefined ? this.streamChunkSize : PART_SIZE));
  }

  private finish(): FrameEvent<H> {
    const header = this.header as H;
    this.header = undefined;
    if (this.streaming) return { type: 'end' };
    if (this.parts !== undefined) {
      const parts = this.parts;
      this.parts = undefined;
      return { type: 'frame', header, body: Buffer.concat(parts) };
    }
    const body = this.body;
    this.body = EMPTY;
    this.filled = 0;
    return { type: 'frame', header, body };
  }
}
