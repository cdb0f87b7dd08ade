import { createConnection, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { constants as bufferConstants } from 'node:buffer';
import {
  ConnectError,
  ConnectionClosedError,
  ErrorCode,
  FdfsError,
  InvalidArgumentError,
  ProtocolError,
  StatusError,
  TimeoutError,
} from '../errors.js';
import { describeValue } from '../arguments.js';
import { FrameReceiver, writeWithBackpressure, type FrameEvent } from '@pic-storage/framing';
import {
  type Address,
  Cmd,
  encodeHeader,
  formatAddress,
  FRAME_FORMAT,
  type Header,
  HEADER_SIZE,
  writeHeader,
} from 'fastdfs-protocol';

export interface ConnectionOptions {
  /** Milliseconds to establish the TCP connection. */
  connectTimeout: number;
  /** Milliseconds of silence allowed while a request is in flight (each read and write). */
  networkTimeout: number;
}

/**
 * One request: the fixed part of the body, then optionally the content, in memory (`content`,
 * sent as it is, never copied) or `size` bytes from `stream`.
 */
export interface RequestSpec {
  cmd: number;
  /** Human name for errors, e.g. "upload". */
  operation: string;
  /** Header status byte; 0 except for QUERY_FILE_INFO flags. */
  status?: number;
  body?: Buffer;
  content?: Buffer;
  stream?: { source: Readable | AsyncIterable<Buffer>; size: number };
  /** Bodies larger than this are a protocol error (not used for streamed replies). */
  maxResponseBody: number;
}

type Pending =
  | { mode: 'buffer'; spec: RequestSpec; resolve: (body: Buffer) => void; reject: (err: Error) => void }
  | { mode: 'stream'; spec: RequestSpec; resolve: (body: ResponseStream) => void; reject: (err: Error) => void };

/** A response body read straight off the socket; `contentLength` is the body length from the header. */
export interface ResponseStream extends Readable {
  readonly contentLength: number;
}

/**
 * One TCP connection to a tracker or storage. FastDFS has no request ids: exactly one request is
 * in flight at a time, and the reply is the next thing on the wire. Replies are cut out of the
 * byte stream by a FrameReceiver, which has the socket read a reply's body straight into the
 * buffer handed to the caller (no copy, no concatenation); a reply is read whole, or, for a
 * streamed download, handed to a Readable with backpressure (the socket is paused while the
 * consumer is full).
 */
export class Connection {
  /** Set once the connection must not be reused (error, timeout, protocol violation, close). */
  broken = false;
  lastUsedAt = Date.now();
  private pending: Pending | undefined;
  private readonly frames = new FrameReceiver(FRAME_FORMAT, {
    maxBody: (header) => this.admit(header),
    streamBody: (header) => this.pending?.mode === 'stream' && header.status === 0,
  });
  private readonly socket: Socket;
  private readonly onFrame = (event: FrameEvent<Header>): void => this.onFrameEvent(event);
  private replyStarted = false;
  /** True while the request body is still being written. */
  private sending = false;
  private stream: Readable | undefined;
  private closeListeners: Array<() => void> = [];

  private constructor(
    target: Address,
    readonly address: string,
    private readonly options: ConnectionOptions,
  ) {
    this.socket = createConnection({
      host: target.host,
      port: target.port,
      onread: { buffer: this.frames.buffer, callback: (n: number, buf: Uint8Array) => this.onRead(n, buf) },
    });
  }

  /** Once connected: the handlers of a connection in service. */
  private ready(): void {
    const { socket, address, options } = this;
    socket.setNoDelay(true);
    // One timer for the connection's life, not one per request: the socket restarts it on every
    // read and write, so it fires after networkTimeout of silence. Idle, that is no failure (the
    // timer then sleeps until the next request's write wakes it).
    socket.setTimeout(options.networkTimeout);
    socket.on('timeout', () => {
      if (!this.busy) return;
      this.fail(
        new TimeoutError(ErrorCode.NETWORK_TIMEOUT, `no data from ${address} for ${options.networkTimeout} ms`),
      );
    });
    socket.on('error', (err) => this.fail(new ConnectionClosedError(address, !this.replyStarted, err)));
    socket.on('close', () => {
      this.fail(new ConnectionClosedError(address, !this.replyStarted));
      for (const listener of this.closeListeners.splice(0)) listener();
    });
  }

  static connect(address: Address, options: ConnectionOptions): Promise<Connection> {
    const name = formatAddress(address);
    const conn = new Connection(address, name, options);
    const socket = conn.socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new TimeoutError(
            ErrorCode.CONNECT_TIMEOUT,
            `connect to ${name} timed out after ${options.connectTimeout} ms`,
          ),
        );
      }, options.connectTimeout);
      const onError = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new ConnectError(name, err));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        conn.ready();
        resolve(conn);
      });
    });
  }

  /** Called once when the socket closes, whoever closed it (the pool drops idle connections this way). */
  onClose(listener: () => void): void {
    if (this.socket.destroyed) listener();
    else this.closeListeners.push(listener);
  }

  get busy(): boolean {
    return this.pending !== undefined || this.stream !== undefined || this.sending;
  }

  /** Sends a request and resolves with the whole reply body; a non-zero status rejects with StatusError. */
  request(spec: RequestSpec): Promise<Buffer> {
    return new Promise((resolve, reject) => this.start({ mode: 'buffer', spec, resolve, reject }));
  }

  /** Sends a request and resolves once the reply header is in, with the body as a stream. */
  requestStream(spec: RequestSpec): Promise<ResponseStream> {
    return new Promise((resolve, reject) => this.start({ mode: 'stream', spec, resolve, reject }));
  }

  /** Polite close: FDFS_PROTO_CMD_QUIT has no reply, the server just closes. */
  quit(): void {
    if (this.broken || this.socket.destroyed) return this.destroy();
    this.broken = true;
    this.socket.end(encodeHeader(0, Cmd.QUIT));
    this.socket.setTimeout(this.options.networkTimeout, () => this.socket.destroy());
  }

  destroy(): void {
    this.broken = true;
    this.socket.destroy();
  }

  private start(pending: Pending): void {
    if (this.broken) {
      pending.reject(new ConnectionClosedError(this.address, true));
      return;
    }
    if (this.busy) {
      pending.reject(new FdfsError(ErrorCode.PROTOCOL, `connection to ${this.address} is already busy`));
      return;
    }
    this.pending = pending;
    this.replyStarted = false;
    this.lastUsedAt = Date.now();
    const { spec } = pending;
    // Header, fixed body and content in memory go out in one write (writev), with no promise in
    // between; only streamed content needs the asynchronous loop.
    try {
      this.writeHead(spec);
    } catch (err) {
      this.fail(asError(err, this.address));
      return;
    }
    if (spec.stream === undefined) return;
    this.sending = true;
    this.sendStream(spec, spec.stream).then(
      () => {
        this.sending = false;
      },
      (err: unknown) => {
        this.sending = false;
        this.fail(asError(err, this.address));
      },
    );
  }

  /** Header and fixed body copied into one small buffer; in-memory content written after it, uncopied. */
  private writeHead(spec: RequestSpec): void {
    const fixed = spec.body ?? EMPTY;
    const content = spec.content;
    const total = fixed.length + (content?.length ?? 0) + (spec.stream?.size ?? 0);
    const head = writeHeader(Buffer.allocUnsafe(HEADER_SIZE + fixed.length), 0, total, spec.cmd, spec.status ?? 0);
    fixed.copy(head, HEADER_SIZE);
    if (content === undefined || content.length === 0) {
      this.socket.write(head);
      return;
    }
    this.socket.cork();
    this.socket.write(head);
    this.socket.write(content);
    this.socket.uncork();
  }

  private async sendStream(spec: RequestSpec, stream: NonNullable<RequestSpec['stream']>): Promise<void> {
    let sent = 0;
    for await (const chunk of stream.source as AsyncIterable<unknown>) {
      if (!(chunk instanceof Uint8Array)) {
        throw new InvalidArgumentError(
          `${spec.operation}: the source stream yielded ${describeValue(chunk)}, not a Buffer or Uint8Array`,
        );
      }
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      sent += buf.length;
      if (sent > stream.size) {
        throw new FdfsError(
          ErrorCode.INVALID_ARGUMENT,
          `${spec.operation}: the stream yielded more than the declared ${stream.size} bytes`,
        );
      }
      if (this.broken) return;
      // The network timeout (socket.setTimeout) covers a server that stops reading.
      await writeWithBackpressure(this.socket, buf);
    }
    if (sent !== stream.size) {
      throw new FdfsError(
        ErrorCode.INVALID_ARGUMENT,
        `${spec.operation}: the stream ended after ${sent} of the declared ${stream.size} bytes`,
      );
    }
  }

  /**
   * `n` bytes were read into `buf` (the buffer the FrameReceiver picked). Never throws: Node
   * called it. Always true: backpressure pauses the socket itself (see the 'chunk' event).
   */
  private onRead(n: number, buf: Uint8Array): boolean {
    this.replyStarted = true;
    try {
      // A header's length field is int64 BE: a first byte other than 0 announces a negative body
      // length (0x80-0xff) or one of 2^56 bytes or more. Fail on it at once: FastDFS before 6.15.4
      // answers a download 1 byte past the end of the file with 9 bytes (length -1, cmd, no
      // status) and then nothing, so waiting for the 10th header byte would wait out the timeout.
      const first = buf[0] ?? 0;
      if (this.pending !== undefined && this.frames.idle && first !== 0) {
        throw new ProtocolError(
          `${this.address}: ${this.pending.spec.operation} reply announces ` +
            (first >= 0x80
              ? 'a negative body length (FastDFS before 6.15.4 does so for a download offset past the end of the file)'
              : 'a body of 2^56 bytes or more'),
        );
      }
      // admit() has seen every header first, so each event belongs to the request in flight.
      this.frames.received(n, this.onFrame);
      if (this.pending === undefined && this.stream === undefined && !this.frames.idle) {
        throw new ProtocolError(`${this.address} sent bytes past the end of the reply`);
      }
    } catch (err) {
      this.fail(asError(err, this.address));
    }
    return true;
  }

  /**
   * Called by the FrameReceiver for each reply header before any body byte: a header that is not
   * a reply, or a body over the request's limit, fails the request here.
   */
  private admit(header: Header): number {
    const pending = this.pending;
    // FastDFS never speaks unasked: a frame now means the stream is out of step.
    if (pending === undefined) throw new ProtocolError(`${this.address} sent a reply with no request in flight`);
    if (header.cmd !== Cmd.RESP)
      throw new ProtocolError(`${this.address}: reply cmd ${header.cmd}, expected ${Cmd.RESP}`);
    const streamed = pending.mode === 'stream' && header.status === 0;
    const limit = streamed ? Number.MAX_SAFE_INTEGER : pending.spec.maxResponseBody;
    if (header.bodyLength > limit || (pending.mode === 'buffer' && header.bodyLength > bufferConstants.MAX_LENGTH)) {
      throw new ProtocolError(
        `${this.address}: ${pending.spec.operation} reply of ${header.bodyLength} bytes ` +
          `exceeds the ${limit}-byte limit`,
      );
    }
    return limit;
  }

  private onFrameEvent(event: FrameEvent<Header>): void {
    switch (event.type) {
      case 'head': {
        const pending = this.pending as Pending & { mode: 'stream' };
        this.pending = undefined;
        pending.resolve(this.openStream(event.bodyLength));
        return;
      }
      case 'chunk':
        if (!(this.stream as Readable).push(event.chunk)) this.socket.pause();
        return;
      case 'end': {
        const stream = this.stream as Readable;
        this.stream = undefined;
        this.finishRequest();
        stream.push(null);
        // The last chunk may have filled the stream and paused the socket; an ended stream never
        // asks for more, so the next reply on this connection would never be read.
        this.socket.resume();
        return;
      }
      case 'frame': {
        const pending = this.pending as Pending;
        this.pending = undefined;
        this.finishRequest();
        if (event.header.status !== 0) {
          pending.reject(new StatusError(event.header.status, pending.spec.operation, this.address));
        } else if (pending.mode === 'buffer') {
          pending.resolve(event.body);
        }
        // A streamed request answered with an error status is settled by its status, above.
      }
    }
  }

  private openStream(length: number): ResponseStream {
    const stream = new Readable({
      highWaterMark: 64 * 1024,
      read: () => this.socket.resume(),
      destroy: (err, callback) => {
        // The consumer gave up before the end: the rest of the body is still on the wire.
        if (this.stream === stream) {
          this.stream = undefined;
          this.destroy();
        }
        callback(err);
      },
    }) as ResponseStream;
    Object.defineProperty(stream, 'contentLength', { value: length, enumerable: true });
    this.stream = stream;
    return stream;
  }

  private finishRequest(): void {
    // A reply that arrives before the whole request was written (a server refusing an upload
    // early) leaves the rest of the request unsent: the connection is out of step for good.
    if (this.sending) this.broken = true;
    this.lastUsedAt = Date.now();
  }

  /** Settles whatever is in flight with `err` and makes the connection unusable. */
  private fail(err: Error): void {
    const wasBroken = this.broken;
    this.broken = true;
    const pending = this.pending;
    const stream = this.stream;
    this.pending = undefined;
    this.stream = undefined;
    if (!wasBroken || !this.socket.destroyed) this.socket.destroy();
    pending?.reject(err);
    stream?.destroy(err);
  }
}

const EMPTY = Buffer.alloc(0);

function asError(err: unknown, address: string): Error {
  if (err instanceof Error) return err;
  return new ConnectionClosedError(address, true, err);
}
