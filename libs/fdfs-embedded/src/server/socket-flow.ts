import type { Socket } from 'node:net';

/** Bytes buffered before the socket is paused: a fast uploader is held back by the disk, not by memory. */
export const HIGH_WATER = 1024 * 1024;

/**
 * Unparsed bytes (requests pipelined after the one in flight) held before the socket is paused.
 * They are only consumed once the request in flight is answered, so a client that pipelines and
 * does not read its replies stops being read from once this much is queued: the loop waits for
 * its reply to drain (writeWithBackpressure), the kernel buffers fill, and the client is held
 * back instead of the process buffering for it.
 */
export const PIPELINE_HIGH_WATER = 64 * 1024;

/**
 * Flow control of one connection. Counts the bytes received and not yet consumed, in two parts:
 * `unparsed` (not yet through the FrameReader: pipelined requests, a partial header) and `inBody`
 * (handed to the request in flight, not yet taken by its handler). The socket is paused while
 * the total reaches HIGH_WATER or the unparsed part PIPELINE_HIGH_WATER, and resumed below both,
 * except while a reader starves: bytes it waits for must be let in, whatever is held.
 */
export class SocketFlow {
  private unparsed = 0;
  private inBody = 0;
  private hungry = false;

  constructor(private readonly socket: Socket) {}

  /** Bytes received and not consumed: what the process holds for this connection's requests. */
  get buffered(): number {
    return this.unparsed + this.inBody;
  }

  /** Socket bytes in (the caller settles once it has parsed what it can). */
  received(n: number): void {
    this.unparsed += n;
  }

  /** A header was decoded: its bytes are gone. */
  parsedHeader(n: number): void {
    this.unparsed -= n;
  }

  /** Bytes handed to the body of the request in flight. */
  parsedBody(n: number): void {
    this.unparsed -= n;
    this.inBody += n;
  }

  /** A handler took body bytes. */
  taken(n: number): void {
    this.inBody -= n;
    this.settle();
  }

  /** A reader waits for bytes that are not here yet: let them in until it has them (`fed`). */
  starving(): void {
    this.hungry = true;
    this.settle();
  }

  /** The starving reader got its bytes (or gave up). */
  fed(): void {
    this.hungry = false;
    this.settle();
  }

  /** Everything held was dropped (a connection lingering before it closes): read and drop from now on. */
  dropAll(): void {
    this.unparsed = 0;
    this.inBody = 0;
    this.hungry = false;
    this.settle();
  }

  /** Pauses or resumes the socket for what is held now. */
  settle(): void {
    const over = !this.hungry && (this.buffered >= HIGH_WATER || this.unparsed >= PIPELINE_HIGH_WATER);
    if (over) {
      if (!this.socket.isPaused()) this.socket.pause();
    } else if (this.socket.isPaused() && !this.socket.destroyed) {
      this.socket.resume();
    }
  }
}
