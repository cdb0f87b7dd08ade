import { connect, type Socket } from 'node:net';
import { FrameReader } from '@pic-storage/framing';
import {
  DEFAULT_MAX_FRAME_LENGTH,
  FRAME_FORMAT,
  encodeFrame,
  maxBodyFor,
  type FrameHeader,
} from '@pic-storage/frame-protocol';
import { FrameClientError } from './client-error.js';

export interface FrameClientOptions {
  host: string;
  port: number;
  /** Default 3 s. */
  connectTimeoutMs?: number;
  /** A request without its response after this long fails with reason 'timeout'. Default 10 s. */
  requestTimeoutMs?: number;
  /** Requests awaiting their response at once; more fail with reason 'busy'. Default 1024. */
  maxInFlight?: number;
  /** The largest response frame accepted. Default 1 MiB. */
  maxFrameLength?: number;
}

export const FRAME_CLIENT_DEFAULTS = Object.freeze({
  connectTimeoutMs: 3_000,
  requestTimeoutMs: 10_000,
  maxInFlight: 1024,
  maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
});

export interface FrameResponse {
  readonly header: FrameHeader;
  readonly ret: number;
  readonly body: Buffer;
}

export interface RequestOptions {
  /** The header's user id, echoed; default 0. */
  id?: number;
  timeoutMs?: number;
}

interface Pending {
  resolve(response: FrameResponse): void;
  reject(err: FrameClientError): void;
  timer: NodeJS.Timeout;
}

/**
 * A client of one framed service address: one connection, requests pipelined on it, each
 * response matched to its request by seq (so responses may come in any order). The connection
 * is opened on first use and again after it closes; requests in flight when it closes fail with
 * reason 'closed'.
 */
export class FrameClient {
  private readonly options: Required<FrameClientOptions>;
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextSeq = 1;
  private closed = false;

  constructor(options: FrameClientOptions) {
    this.options = { ...FRAME_CLIENT_DEFAULTS, ...options };
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  async request(cmd: number, body: Buffer, options: RequestOptions = {}): Promise<FrameResponse> {
    if (this.closed) throw new FrameClientError('closed', `client of ${this.address} is closed`, false);
    if (this.pending.size >= this.options.maxInFlight) {
      throw new FrameClientError('busy', `${this.pending.size} requests in flight to ${this.address}`, false);
    }
    const socket = await this.connection();
    const seq = this.takeSeq();
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    return new Promise<FrameResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new FrameClientError('timeout', `no response from ${this.address} in ${timeoutMs} ms`, true));
      }, timeoutMs);
      this.pending.set(seq, { resolve, reject, timer });
      socket.write(encodeFrame({ cmd, id: options.id ?? 0, seq }, body));
    });
  }

  /** Seqs run 1..2^32-1 and wrap, skipping any still in flight. */
  private takeSeq(): number {
    let seq = this.nextSeq;
    while (this.pending.has(seq)) seq = seq >= 0xffffffff ? 1 : seq + 1;
    this.nextSeq = seq >= 0xffffffff ? 1 : seq + 1;
    return seq;
  }

  private connection(): Promise<Socket> {
    if (this.socket !== undefined) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private open(): Promise<Socket> {
    const { host, port, connectTimeoutMs } = this.options;
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new FrameClientError('connect', `connect to ${this.address} timed out after ${connectTimeoutMs} ms`, false),
        );
      }, connectTimeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new FrameClientError('connect', `cannot connect to ${this.address}: ${err.message}`, false, { cause: err }),
        );
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        this.attach(socket);
        resolve(socket);
      });
    });
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    const reader = new FrameReader(FRAME_FORMAT, { maxBody: maxBodyFor(this.options.maxFrameLength) });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const event of reader.push(chunk)) {
          if (event.type !== 'frame') continue;
          const pending = this.pending.get(event.header.seq);
          if (pending === undefined) continue; // timed out already
          this.pending.delete(event.header.seq);
          clearTimeout(pending.timer);
          pending.resolve({ header: event.header, ret: event.header.ret, body: event.body });
        }
      } catch (err) {
        this.fail(
          socket,
          new FrameClientError('protocol', `bad frame from ${this.address}: ${(err as Error).message}`, true),
        );
      }
    });
    socket.on('error', (err) =>
      this.fail(socket, new FrameClientError('closed', `${this.address}: ${err.message}`, true)),
    );
    socket.on('close', () =>
      this.fail(socket, new FrameClientError('closed', `${this.address} closed the connection`, true)),
    );
  }

  /** The connection is unusable: every request on it fails, the next request reconnects. */
  private fail(socket: Socket, err: FrameClientError): void {
    if (this.socket === socket) this.socket = undefined;
    socket.destroy();
    for (const [seq, pending] of this.pending) {
      this.pending.delete(seq);
      clearTimeout(pending.timer);
      pending.reject(err);
    }
  }

  /** Fails what is in flight and closes the connection; further requests fail. */
  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    if (socket === undefined) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      this.fail(socket, new FrameClientError('closed', `client of ${this.address} closed`, true));
    });
  }
}
