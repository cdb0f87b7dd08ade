import { performance } from 'node:perf_hooks';
import { HEADER_SIZE, decodeHeader, encodeFrame } from '@pic-storage/frame-protocol';
import { ClientConnection, connectSocket } from './client-connection.js';
import { FrameClientError } from './client-error.js';
import {
  positiveInteger,
  resolveFrameClientOptions,
  type FrameClientOptions,
  type ResolvedFrameClientOptions,
} from './client-options.js';
import {
  PendingRequests,
  type ForwardTarget,
  type FrameResponse,
  type PendingRequest,
  type ResponseCallback,
} from './pending-requests.js';

export type { ForwardTarget, FrameResponse } from './pending-requests.js';

export interface RequestOptions {
  /** The header's user id, echoed; default 0. */
  id?: number;
  /** Default: the client's requestTimeoutMs. */
  timeoutMs?: number;
}

/** What a FrameClient is doing and has done (`FrameClient#stats`). */
export interface FrameClientStats {
  connected: boolean;
  /** Requests awaiting their response (or their connection). */
  inFlight: number;
  /** Connections made. */
  connects: number;
  /** Requests failed with reason 'timeout'. */
  timeouts: number;
  /** Responses that came after their request timed out (dropped). */
  lateResponses: number;
}

/**
 * A client of one framed service address: one connection, requests pipelined on it, each
 * response matched to its request by seq (so responses may come in any order) and checked to
 * echo its cmd. The connection is made on first use and again after it closes; the requests on a
 * connection that closes fail with reason 'closed'. docs/frame-protocol.md, "Clients".
 */
export class FrameClient {
  private readonly options: ResolvedFrameClientOptions;
  private current: ClientConnection | undefined;
  private connecting: Promise<ClientConnection> | undefined;
  private readonly pending = new PendingRequests((request) => this.expire(request));
  private closed = false;
  private readonly counters = { connects: 0, timeouts: 0, lateResponses: 0 };

  constructor(options: FrameClientOptions) {
    this.options = resolveFrameClientOptions(options);
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get stats(): FrameClientStats {
    return { connected: this.current !== undefined, inFlight: this.pending.size, ...this.counters };
  }

  /**
   * Sends one request and resolves with its response, whatever its ret; rejects with a
   * FrameClientError when there is no response (see its reasons), or a RangeError for a cmd, id,
   * body or timeout that does not fit.
   */
  request(cmd: number, body: Buffer, options: RequestOptions = {}): Promise<FrameResponse> {
    return new Promise<FrameResponse>((resolve, reject) => {
      this.send(cmd, body, options, (err, response) => {
        if (err === null) resolve(response as FrameResponse);
        else reject(err);
      });
    });
  }

  /** request() with a callback, called once (before send() returns for a request refused at once). */
  private send(cmd: number, body: Buffer, options: RequestOptions, callback: ResponseCallback): void {
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const refused = this.refusal(HEADER_SIZE + body.length, timeoutMs);
    if (refused !== undefined) return callback(refused);
    let frame: Buffer;
    try {
      frame = encodeFrame({ cmd, id: options.id ?? 0, seq: 0 }, body); // RangeError for a cmd or id out of range
    } catch (err) {
      return callback(err as Error);
    }
    const request = this.add(cmd, callback, timeoutMs);
    frame.writeUInt32LE(request.seq, 10);
    // Connected: written now (no promise turn per request on a busy connection).
    if (this.current !== undefined) this.write(request, this.current, frame);
    else this.writeWhenConnected(request, frame);
  }

  /**
   * Sends the request frame at buf[at, at + length) as it is but for its seq (a relay's: the
   * client's cmd, id and body go on untouched), and hands its response frame to `target` as bytes.
   * Copies what it needs before it returns. A request refused at once (busy, closed, over
   * maxFrameLength, a timeout that is not a positive integer) is not called back: the refusal is
   * returned, and the caller still has the bytes to try elsewhere.
   */
  forward(buf: Buffer, at: number, length: number, timeoutMs: number, target: ForwardTarget): Error | undefined {
    const refused = this.refusal(length, timeoutMs);
    if (refused !== undefined) return refused;
    const request = this.add(buf.readUInt16LE(at + 4), target, timeoutMs);
    const conn = this.current;
    if (conn !== undefined && conn.socket.writable) {
      request.conn = conn;
      conn.batch.copy(buf, at, length, request.seq);
      return undefined;
    }
    const frame = Buffer.allocUnsafe(length);
    buf.copy(frame, 0, at, at + length);
    frame.writeUInt32LE(request.seq, 10);
    request.unsent = frame;
    this.writeWhenConnected(request, frame);
    return undefined;
  }

  /** Why a request frame of `length` bytes cannot be taken now; undefined when it can. */
  private refusal(length: number, timeoutMs: number): Error | undefined {
    if (this.closed) return this.closedError(false);
    if (this.pending.size >= this.options.maxInFlight) {
      const message = `${this.pending.size} requests in flight to ${this.address} (maxInFlight)`;
      return new FrameClientError('busy', message, false);
    }
    if (length > this.options.maxFrameLength)
      return new RangeError(`a request of ${length} bytes exceeds maxFrameLength`);
    try {
      positiveInteger('timeoutMs', timeoutMs);
    } catch (err) {
      return err as RangeError;
    }
    return undefined;
  }

  /** A request in the table, with a seq of its own, timing out `timeoutMs` from now. */
  private add(cmd: number, settle: ResponseCallback | ForwardTarget, timeoutMs: number): PendingRequest {
    const seq = this.pending.takeSeq(this.current);
    const deadline = performance.now() + timeoutMs;
    const request: PendingRequest = { seq, cmd, conn: undefined, settle, deadline, timeoutMs };
    this.pending.add(request);
    return request;
  }

  private writeWhenConnected(request: PendingRequest, frame: Buffer): void {
    this.connection().then(
      (conn) => this.write(request, conn, frame),
      (err: FrameClientError) => this.pending.reject(request, err),
    );
  }

  private write(request: PendingRequest, conn: ClientConnection, frame: Buffer): void {
    if (!this.pending.has(request)) return; // timed out, or the client closed, while connecting
    if (conn.failed || !conn.socket.writable) {
      this.pending.reject(request, new FrameClientError('closed', `${this.address} closed before the write`, false));
      return;
    }
    request.conn = conn;
    request.unsent = undefined;
    conn.batch.push(frame);
  }

  private expire(request: PendingRequest): void {
    if (!this.pending.has(request)) return;
    this.counters.timeouts++;
    request.conn?.addLate(request.seq);
    const sent = request.conn !== undefined;
    const unsent = sent ? '' : ' (not sent: no connection)';
    const message = `no response from ${this.address} in ${request.timeoutMs} ms${unsent}`;
    this.pending.reject(request, new FrameClientError('timeout', message, sent));
  }

  private connection(): Promise<ClientConnection> {
    if (this.current !== undefined) return Promise.resolve(this.current);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<ClientConnection> {
    const { host, port, connectTimeoutMs, maxFrameLength, maxInFlight } = this.options;
    const socket = await connectSocket(host, port, connectTimeoutMs);
    if (this.closed) {
      socket.destroy();
      throw this.closedError(false);
    }
    const conn = new ClientConnection(socket, maxFrameLength, maxInFlight);
    this.attach(conn);
    this.current = conn;
    this.counters.connects++;
    return conn;
  }

  private attach(conn: ClientConnection): void {
    const { socket } = conn;
    socket.setTimeout(this.options.idleTimeoutMs);
    const { scanner } = conn;
    socket.on('data', (chunk: Buffer) => {
      scanner.push(chunk);
      try {
        while (scanner.next()) this.receive(conn, scanner.buf, scanner.at, scanner.length);
      } catch (err) {
        const message = `bad response from ${this.address}: ${(err as Error).message}`;
        this.fail(conn, new FrameClientError('protocol', message, true, { cause: err }));
      }
    });
    const closed = (why: string): void =>
      this.fail(conn, new FrameClientError('closed', `${this.address} ${why}`, true));
    socket.on('end', () => closed('closed the connection'));
    socket.on('close', () => closed('closed the connection'));
    socket.on('error', (err) => closed(`connection failed: ${err.message}`));
    socket.on('timeout', () => {
      // Idle: nothing awaits it, so it is closed quietly and the next request reconnects.
      if (this.pending.list(conn).length === 0) closed('connection idle');
    });
  }

  /** The response frame at buf[at, at + length) of `conn`; throws when no request awaits it. */
  private receive(conn: ClientConnection, buf: Buffer, at: number, length: number): void {
    const seq = buf.readUInt32LE(at + 10);
    const cmd = buf.readUInt16LE(at + 4);
    const request = this.pending.get(seq);
    if (request === undefined || request.conn !== conn) {
      if (conn.takeLate(seq)) {
        this.counters.lateResponses++;
        return;
      }
      throw new Error(`a response with seq ${seq} (cmd ${cmd}) that no request awaits`);
    }
    if (cmd !== request.cmd) throw new Error(`the response to seq ${seq} has cmd ${cmd}, the request ${request.cmd}`);
    if (typeof request.settle !== 'function') return this.pending.forwarded(request, buf, at, length);
    const header = decodeHeader(buf, at);
    this.pending.resolve(request, { header, ret: header.ret, body: buf.subarray(at + HEADER_SIZE, at + length) });
  }

  /** The connection is unusable: the requests written on it fail, the next request reconnects. */
  private fail(conn: ClientConnection, err: FrameClientError): void {
    if (conn.failed) return;
    conn.failed = true;
    if (this.current === conn) this.current = undefined;
    conn.socket.destroy();
    for (const request of this.pending.list(conn)) this.pending.reject(request, err);
  }

  private closedError(sent: boolean): FrameClientError {
    return new FrameClientError('closed', `client of ${this.address} is closed`, sent);
  }

  /** Fails every request not yet answered, closes the connection; later requests fail with reason 'closed'. */
  async close(): Promise<void> {
    this.closed = true;
    for (const request of this.pending.list())
      this.pending.reject(request, this.closedError(request.conn !== undefined));
    await this.connecting?.catch(() => undefined);
    const conn = this.current;
    if (conn === undefined) return;
    const socketClosed = new Promise<void>((resolve) => conn.socket.once('close', () => resolve()));
    this.fail(conn, this.closedError(true));
    await socketClosed;
  }
}
