import type { Socket } from 'node:net';

/**
 * Slabs the small frames of a turn are copied into (a turn of 256 session-check replies is ~8 KiB);
 * a frame over an eighth of one is written on its own. A connection holds at most one slab between
 * turns, allocated on its first frame: a bound of maxConnections x 16 KiB for a server.
 */
const SLAB_SIZE = 16 * 1024;
const SMALL_FRAME = SLAB_SIZE / 8;
const EMPTY = Buffer.alloc(0);

/**
 * The frames written to one socket in this turn of the event loop, sent together once the turn's
 * I/O callbacks have run (setImmediate): one write for a batch of pipelined replies or requests
 * instead of one per frame. Small frames are copied into a shared slab (no buffer and no stream
 * entry of their own); `copy` puts a frame there and rewrites its seq and id on the way, which is
 * all a relay changes of the frame it passes on.
 */
export class FrameBatch {
  private slab = EMPTY;
  /** The slab's bytes not yet written: [start, end). */
  private start = 0;
  private end = 0;
  /** Parts ahead of the slab's bytes, in order: earlier slabs, large frames. */
  private readonly parts: Buffer[] = [];
  private partBytes = 0;
  private scheduled = false;

  constructor(
    private readonly socket: Socket,
    /** Called once each batch is handed to the kernel (the socket's write callback). */
    private readonly onFlushed?: () => void,
  ) {}

  /** Bytes queued and not yet given to the socket. */
  get length(): number {
    return this.partBytes + this.end - this.start;
  }

  /** Queues a whole frame; `frame` may be kept as it is until the batch is written. */
  push(frame: Buffer): void {
    if (frame.length > SMALL_FRAME) this.addPart(frame);
    else this.copy(frame, 0, frame.length);
  }

  /**
   * Queues a copy of the frame at src[at, at + length); with `seq` (and `id`), those header fields
   * of the copy are rewritten (offsets 10 and 6 of the 18-byte header).
   */
  copy(src: Buffer, at: number, length: number, seq?: number, id?: number): void {
    let into: Buffer;
    let offset: number;
    if (length > SMALL_FRAME) {
      into = Buffer.allocUnsafe(length);
      offset = 0;
      this.addPart(into);
    } else {
      if (this.end + length > this.slab.length) this.nextSlab();
      into = this.slab;
      offset = this.end;
      this.end += length;
      this.schedule();
    }
    src.copy(into, offset, at, at + length);
    if (seq !== undefined) into.writeUInt32LE(seq, offset + 10);
    if (id !== undefined) into.writeUInt32LE(id, offset + 6);
  }

  private addPart(frame: Buffer): void {
    this.closeSlabPart();
    this.parts.push(frame);
    this.partBytes += frame.length;
    this.schedule();
  }

  /** The slab's queued bytes become a part of their own, so what comes next follows them. */
  private closeSlabPart(): void {
    if (this.end === this.start) return;
    this.parts.push(this.slab.subarray(this.start, this.end));
    this.partBytes += this.end - this.start;
    this.start = this.end;
  }

  private nextSlab(): void {
    this.closeSlabPart();
    this.slab = Buffer.allocUnsafe(SLAB_SIZE);
    this.start = 0;
    this.end = 0;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Writes what is queued; the slab's written bytes are never reused (the socket may still hold them). */
  readonly flush = (): void => {
    this.scheduled = false;
    this.closeSlabPart();
    const { parts, socket } = this;
    const n = parts.length;
    this.partBytes = 0;
    if (n === 0) return;
    if (socket.destroyed) {
      parts.length = 0;
      return;
    }
    if (n > 1) socket.cork();
    for (let i = 0; i < n; i++) socket.write(parts[i] as Buffer, i === n - 1 ? this.onFlushed : undefined);
    parts.length = 0;
    if (n > 1) socket.uncork();
  };
}
