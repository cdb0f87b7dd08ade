import { connect, type Socket } from 'node:net';
import { FrameScanner } from '@pic-storage/frame-protocol';
import { FrameClientError } from './client-error.js';
import { FrameBatch } from './frame-batch.js';

/**
 * One connection of a FrameClient: its socket, the requests written in this turn, the scanner of
 * its response frames, and the seqs of the requests that timed out on it. A response to one of
 * those is late and dropped; a response with any other seq no request awaits is a protocol error
 * (the server is out of step). Seqs belong to a connection: a new one starts with none late.
 */
export class ClientConnection {
  readonly scanner: FrameScanner;
  readonly batch: FrameBatch;
  private readonly late = new Set<number>();
  /** Set once the connection is given up; it is never used again. */
  failed = false;

  constructor(
    readonly socket: Socket,
    maxFrameLength: number,
    /** Late seqs kept at most; past it the oldest is forgotten (a response to it would be a protocol error). */
    private readonly maxLate: number,
  ) {
    this.scanner = new FrameScanner(maxFrameLength);
    this.batch = new FrameBatch(socket);
  }

  addLate(seq: number): void {
    this.late.add(seq);
    if (this.late.size > this.maxLate) {
      const oldest = this.late.values().next();
      if (oldest.done !== true) this.late.delete(oldest.value);
    }
  }

  /** True (and forgotten) when `seq` is the seq of a request that timed out on this connection. */
  takeLate(seq: number): boolean {
    return this.late.delete(seq);
  }

  isLate(seq: number): boolean {
    return this.late.has(seq);
  }
}

/** A connected socket, or a FrameClientError with reason 'connect' (refused, unreachable, timed out). */
export function connectSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const fail = (message: string, cause?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new FrameClientError('connect', message, false, { cause }));
    };
    const timer = setTimeout(() => fail(`connect to ${host}:${port} timed out after ${timeoutMs} ms`), timeoutMs);
    socket.once('error', (err) => fail(`cannot connect to ${host}:${port}: ${err.message}`, err));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
