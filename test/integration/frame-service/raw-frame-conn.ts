/**
 * A framed-protocol peer with nothing but a socket and the shared FrameReader: writes any bytes
 * (well-formed or not), collects the frames the server sends back, and tells when the server
 * closed the connection. Independent of FrameClient, so the server is tested on its own.
 */
import { connect, type Socket } from 'node:net';
import { FrameReader } from '@pic-storage/framing';
import { FRAME_FORMAT, encodeFrame, type FrameHeader } from '@pic-storage/frame-protocol';

export interface RawFrame {
  header: FrameHeader;
  body: Buffer;
}

export class RawFrameConn {
  readonly frames: RawFrame[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly reader = new FrameReader(FRAME_FORMAT, { maxBody: 64 * 1024 * 1024 });
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.reader.push(chunk)) {
        if (event.type === 'frame') this.frames.push({ header: event.header, body: event.body });
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawFrameConn> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawFrameConn(socket));
      });
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(cmd: number, seq: number, body?: Buffer, id = 0): void {
    this.write(encodeFrame({ cmd, id, seq }, body));
  }

  /** Resolves once `count` frames are in (or rejects when the connection closes first, or after timeoutMs). */
  async waitFrames(count: number, timeoutMs = 10_000): Promise<RawFrame[]> {
    await this.until(() => this.frames.length >= count, timeoutMs, `${count} frames`);
    return this.frames;
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await this.until(() => this.isClosed, timeoutMs, 'the close', true);
  }

  private async until(done: () => boolean, timeoutMs: number, what: string, closeIsDone = false): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.isClosed && !closeIsDone) throw new Error(`closed before ${what} (have ${this.frames.length} frames)`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (have ${this.frames.length} frames)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A promise with its resolve, for handlers a test releases when it chooses. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Polls `condition` every 5 ms until it holds (rejects after timeoutMs, naming `what`). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
