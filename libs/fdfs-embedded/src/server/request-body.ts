import { invalid } from '../status.js';
import { ReadError } from './read-error.js';
import type { SocketFlow } from './socket-flow.js';

/**
 * The body of the request in flight, as the handler pulls it: `all(limit)` or `read(n)` for
 * fixed parts, `stream(n, sink)` for content that goes to disk chunk by chunk. The request
 * loop feeds it the FrameReader's body chunks as they arrive. Every wait has a stall timeout
 * (network_timeout) that restarts whenever bytes arrive.
 */
export class RequestBody {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private unread: number;
  private gone: ReadError | null = null;
  private notify: (() => void) | null = null;

  constructor(
    private readonly cmd: number,
    readonly length: number,
    private readonly flow: SocketFlow,
    private readonly timeoutMs: number,
  ) {
    this.unread = length;
  }

  /**
   * Body bytes the handler has not taken. When a handler fails before taking all of them, the
   * request loop skips a small rest, or closes the connection after the reply.
   */
  get remaining(): number {
    return this.unread;
  }

  /** The whole body; EINVAL when it is longer than `limit` (nothing is read then). */
  async all(limit: number): Promise<Buffer> {
    if (this.unread > limit) throw invalid(`cmd ${this.cmd}: body of ${this.length} bytes exceeds ${limit}`);
    return this.read(this.unread);
  }

  async read(n: number): Promise<Buffer> {
    this.claim(n);
    await this.wait(n);
    return this.take(n);
  }

  /** Hands `n` bytes to `sink` as they arrive; the next chunk is taken only after `sink` resolves. */
  async stream(n: number, sink: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    this.claim(n);
    for (let left = n; left > 0;) {
      await this.wait(1);
      const first = this.chunks[0] as Buffer;
      const chunk = first.length <= left ? first : first.subarray(0, left);
      this.consume(chunk.length);
      left -= chunk.length;
      await sink(chunk);
    }
  }

  /** From the request loop: the next piece of this body, a view into a socket chunk. */
  feed(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.notify?.();
  }

  /** From the request loop: the peer is gone. Bytes already here can still be read. */
  close(): void {
    this.gone ??= new ReadError('closed');
    this.notify?.();
  }

  private claim(n: number): void {
    if (n > this.unread) throw invalid(`cmd ${this.cmd}: body of ${this.length} bytes is too short`);
    this.unread -= n;
  }

  private wait(need: number): Promise<void> {
    if (this.buffered >= need) return Promise.resolve();
    if (this.gone !== null) return Promise.reject(this.gone);
    this.flow.starving();
    return new Promise((resolve, reject) => {
      const fail = (): void => {
        this.notify = null;
        this.flow.fed();
        reject(new ReadError('network-timeout'));
      };
      let timer = setTimeout(fail, this.timeoutMs);
      this.notify = () => {
        clearTimeout(timer);
        if (this.buffered < need && this.gone === null) {
          this.flow.starving();
          timer = setTimeout(fail, this.timeoutMs);
          return;
        }
        this.notify = null;
        this.flow.fed();
        if (this.buffered >= need) resolve();
        else reject(this.gone);
      };
    });
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    const out = first !== undefined && first.length >= n ? first.subarray(0, n) : Buffer.concat(this.chunks, n);
    this.consume(n);
    return out;
  }

  private consume(n: number): void {
    for (let left = n; left > 0;) {
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
    this.flow.taken(n);
  }
}
