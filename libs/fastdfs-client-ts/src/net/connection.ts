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
import { FrameReader, writeWithBackpressure, type FrameEvent } from '@pic-storage/framing';
import { type Address, Cmd, encodeHeader, formatAddress, FRAME_FORMAT, type Header } from 'fastdfs-protocol';

export interface ConnectionOptions {
  /** Milliseconds to establish the TCP connection. */
  connectTimeout: number;
  /** Milliseconds of silence allowed while a request is in flight (each read and write). */
  networkTimeout: number;
}

/** One request: the fixed part of the body, then optionally `streamSize` bytes from `stream`. */
export interface RequestSpec {
  cmd: number;
  /** Human name for errors, e.g. "upload". */
  operation: string;
  /** Header status byte; 0 except for QUERY_FILE_INFO flags. */
  status?: number;
  body?: Buffer;
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
 * byte stream by the shared FrameReader; a reply is read whole, or, for a streamed download,
 * handed to a Readable with backpressure (the socket is paused while the consumer is full).
 */
export class Connection {
  readonly address: string;
  /** Set once the connection must not be reused (error, timeout, protocol violation, close). */
  broken = false;
  lastUsedAt = Date.now();
  private pending: Pending | undefined;
  private readonly frames = new FrameReader(FRAME_FORMAT, {
    maxBody: (header) => this.admit(header),
    streamBody: (header) => this.pending?.mode === 'stream' && header.status === 0,
  });
  private replyStarted = false;
  /** True while the request body is still being written. */
  private sending = false;
  private stream: Readable | undefined;
  private closeListeners: Array<() => void> = [];

  private constructor(
    private readonly socket: Socket,
    address: string,
    private readonly options: ConnectionOptions,
  ) {
    this.address = address;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () =>
      this.fail(
        new TimeoutError(ErrorCode.NETWORK_TIMEOUT, `no data from ${address} for ${options.networkTimeout} ms`),
      ),
    );
    socket.on('error', (err) => this.fail(new ConnectionClosedError(address, !this.replyStarted, err)));
    socket.on('close', () => {
      this.fail(new ConnectionClosedError(address, !this.replyStarted));
      for (const listener of this.closeListeners.splice(0)) listener();
    });
  }

  static connect(address: Address, options: ConnectionOptions): Promise<Connection> {
    const name = formatAddress(address);
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: address.host, port: address.port });
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
        resolve(new Connection(socket, name, options));
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
    this.socket.setTimeout(this.options.networkTimeout);
    this.sending = true;
    this.send(pending.spec).then(
      () => {
        this.sending = false;
      },
      (err: unknown) => {
        this.sending = false;
        this.fail(asError(err, this.address));
      },
    );
  }

  private async send(spec: RequestSpec): Promise<void> {
    const fixed = spec.body ?? Buffer.alloc(0);
    const total = fixed.length + (spec.stream?.size ?? 0);
    this.socket.write(Buffer.concat([encodeHeader(total, spec.cmd, spec.status ?? 0), fixed]));
    if (spec.stream === undefined) return;
    let sent = 0;
    for await (const chunk of spec.stream.source as AsyncIterable<unknown>) {
      if (!(chunk instanceof Uint8Array)) {
        throw new InvalidArgumentError(
          `${spec.operation}: the source stream yielded ${describeValue(chunk)}, not a Buffer or Uint8Array`,
        );
      }
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      sent += buf.length;
      if (sent > spec.stream.size) {
        throw new FdfsError(
          ErrorCode.INVALID_ARGUMENT,
          `${spec.operation}: the stream yielded more than the declared ${spec.stream.size} bytes`,
        );
      }
      if (this.broken) return;
      // The network timeout (socket.setTimeout) covers a server that stops reading.
      await writeWithBackpressure(this.socket, buf);
    }
    if (sent !== spec.stream.size) {
      throw new FdfsError(
        ErrorCode.INVALID_ARGUMENT,
        `${spec.operation}: the stream ended after ${sent} of the declared ${spec.stream.size} bytes`,
      );
    }
  }

  private onData(chunk: Buffer): void {
    this.replyStarted = true;
    try {
      // A header's length field is int64 BE: a first byte other than 0 announces a negative body
      // length (0x80-0xff) or one of 2^56 bytes or more. Fail on it at once: FastDFS before 6.15.4
      // answers a download 1 byte past the end of the file with 9 bytes (length -1, cmd, no
      // status) and then nothing, so waiting for the 10th header byte would wait out the timeout.
      const first = chunk[0] ?? 0;
      if (this.pending !== undefined && this.frames.idle && first !== 0) {
        throw new ProtocolError(
          `${this.address}: ${this.pending.spec.operation} reply announces ` +
            (first >= 0x80
              ? 'a negative body length (FastDFS before 6.15.4 does so for a download offset past the end of the file)'
              : 'a body of 2^56 bytes or more'),
        );
      }
      // admit() has seen every header first, so each event belongs to the request in flight.
      for (const event of this.frames.push(chunk)) this.onFrameEvent(event);
      if (this.pending === undefined && this.stream === undefined && !this.frames.idle) {
        throw new ProtocolError(`${this.address} sent bytes past the end of the reply`);
      }
    } catch (err) {
      this.fail(asError(err, this.address));
    }
  }

  /**
   * Called by the FrameReader for each reply header before any body byte: a header that is not
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
    this.socket.setTimeout(0);
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

function asError(err: unknown, address: string): Error {
  if (err instanceof Error) return err;
  return new ConnectionClosedError(address, true, err);
}
