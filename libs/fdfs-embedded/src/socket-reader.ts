import type { Socket } from 'node:net';

/** The connection cannot go on: the peer went away, or its bytes stalled past a timeout. */
export class ReadError extends Error {
  constructor(readonly reason: 'closed' | 'network-timeout' | 'idle-timeout') {
    super(`connection ${reason}`);
    this.name = 'ReadError';
  }
}

/**
 * Pull-style reads over a socket: `read(n)` for fixed parts, `stream(n, sink)` for content
 * that goes to disk chunk by chunk. Bytes that arrive early (a pipelined next request) stay
 * buffered for the next read. The socket is paused while more than `highWater` bytes wait,
 * so a fast uploader is held back by the disk, not by memory.
 * Every wait has a stall timeout: it restarts whenever bytes arrive.
 */
export class SocketReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private gone: ReadError | null = null;
  private notify: (() => void) | null = null;
  private discarding = false;

  constructor(private readonly socket: Socket, private readonly highWater: number) {
    socket.on('data', (chunk: Buffer) => {
      if (this.discarding) return;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered >= this.highWater) socket.pause();
      this.notify?.();
    });
    const onGone = (): void => {
      this.gone ??= new ReadError('closed');
      this.notify?.();
    };
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
  }

  get available(): number {
    return this.buffered;
  }

  /** True once the peer closed and every buffered byte was read. */
  get finished(): boolean {
    return this.gone !== null && this.buffered === 0;
  }

  /** Waits until `need` bytes are buffered. */
  wait(need: number, timeoutMs: number, reason: ReadError['reason'] = 'network-timeout'): Promise<void> {
    if (this.buffered >= need) return Promise.resolve();
    if (this.gone !== null) return Promise.reject(this.gone);
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise((resolve, reject) => {
      const fail = (): void => {
        this.notify = null;
        reject(new ReadError(reason));
      };
      let timer = setTimeout(fail, timeoutMs);
      this.notify = () => {
        clearTimeout(timer);
        if (this.buffered >= need) {
          this.notify = null;
          resolve();
        } else if (this.gone !== null) {
          this.notify = null;
          reject(this.gone);
        } else {
          if (this.socket.isPaused()) this.socket.resume();
          timer = setTimeout(fail, timeoutMs);
        }
      };
    });
  }

  async read(n: number, timeoutMs: number): Promise<Buffer> {
    await this.wait(n, timeoutMs);
    return this.take(n);
  }

  /** Hands `n` bytes to `sink` as they arrive; the next chunk is taken only after `sink` resolves. */
  async stream(n: number, timeoutMs: number, sink: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    let left = n;
    while (left > 0) {
      await this.wait(1, timeoutMs);
      const first = this.chunks[0] as Buffer;
      const chunk = first.length <= left ? first : first.subarray(0, left);
      this.consume(chunk.length);
      left -= chunk.length;
      await sink(chunk);
    }
  }

  /** From now on incoming bytes are dropped: used while a connection lingers before closing. */
  discardAll(): void {
    this.discarding = true;
    this.chunks = [];
    this.buffered = 0;
    if (this.socket.isPaused()) this.socket.resume();
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first !== undefined && first.length >= n) {
      out = first.subarray(0, n);
    } else {
      out = Buffer.allocUnsafe(n);
      let at = 0;
      for (const chunk of this.chunks) {
        const part = Math.min(chunk.length, n - at);
        chunk.copy(out, at, 0, part);
        at += part;
        if (at === n) break;
      }
    }
    this.consume(n);
    return out;
  }

  private consume(n: number): void {
    let left = n;
    while (left > 0) {
      const first = this.chunks[0] as Buffer;
      if (first.length <= left) {
        this.chunks.shift();
        left -= first.length;
      } else {
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    if (this.buffered < this.highWater && this.socket.isPaused() && !this.socket.destroyed) this.socket.resume();
  }
}
