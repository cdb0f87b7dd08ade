import { connect, type Socket } from 'node:net';

/** How much one flooder writes at most: a bound for the test, far past what the server should read. */
const FLOOD_CAP = 64 * 1024 * 1024;

/**
 * A hostile FastDFS peer: writes the same request frame(s) over and over, pipelined, and never
 * reads a reply. It writes whenever its socket drains, so it keeps the server busy for as long
 * as the server keeps reading from it.
 */
export class Flooder {
  private readonly chunk: Buffer;
  private stopped = false;
  /** When the socket last refused more bytes (write() returned false) and has not drained since. */
  private fullSince: number | null = null;
  written = 0;

  private constructor(
    readonly socket: Socket,
    frame: Buffer,
  ) {
    this.chunk = Buffer.concat(
      Array.from({ length: Math.max(1, Math.floor((64 * 1024) / frame.length)) }, () => frame),
    );
    socket.on('drain', () => this.pour());
    socket.on('error', () => undefined);
    socket.on('close', () => (this.stopped = true));
  }

  static connect(address: { host: string; port: number }, frame: Buffer, localAddress?: string): Promise<Flooder> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.host, port: address.port, localAddress }, () => {
        socket.off('error', reject);
        const flooder = new Flooder(socket, frame);
        flooder.pour();
        resolve(flooder);
      });
      socket.once('error', reject);
    });
  }

  /** Milliseconds since the socket last took bytes without pushing back; 0 while it still drains. */
  get stalledMs(): number {
    return this.fullSince === null ? 0 : Date.now() - this.fullSince;
  }

  /** Bytes accepted by the kernel so far (written minus what still waits in the socket's own buffer). */
  get sent(): number {
    return this.written - this.socket.writableLength;
  }

  stop(): void {
    this.stopped = true;
    this.socket.destroy();
  }

  private pour(): void {
    this.fullSince = null;
    while (!this.stopped && this.written < FLOOD_CAP) {
      this.written += this.chunk.length;
      if (!this.socket.write(this.chunk)) {
        this.fullSince = Date.now();
        return;
      }
    }
  }
}
