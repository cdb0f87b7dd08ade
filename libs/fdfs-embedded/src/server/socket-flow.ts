import type { Socket } from 'node:net';

/** Bytes buffered before the socket is paused: a fast uploader is held back by the disk, not by memory. */
export const HIGH_WATER = 1024 * 1024;

/**
 * Flow control of one connection: counts the bytes received and not yet taken by a handler,
 * across the request in flight and any pipelined after it (one count, so one bound), pauses
 * the socket at the high-water mark and resumes it once drained below.
 */
export class SocketFlow {
  private held = 0;

  constructor(private readonly socket: Socket) {}

  get buffered(): number {
    return this.held;
  }

  received(n: number): void {
    this.held += n;
    if (this.held >= HIGH_WATER) this.socket.pause();
  }

  taken(n: number): void {
    this.held -= n;
    if (this.held < HIGH_WATER && this.socket.isPaused() && !this.socket.destroyed) this.socket.resume();
  }

  /** A reader waits for bytes that are not here yet: they must be let in, whatever is held. */
  starving(): void {
    if (this.socket.isPaused()) this.socket.resume();
  }

  /** Everything held was dropped (a connection lingering before it closes). */
  dropAll(): void {
    this.held = 0;
    this.starving();
  }
}
