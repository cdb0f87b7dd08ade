/**
 * The peers of admin_proxy in its tests, on real sockets and independent of the proxy's own
 * runtime: a FakeBackend (a framed service whose replies a test scripts: echo, delay, fail, hang,
 * and which can be killed abruptly) and a TestClient (sends frames with the seqs it chooses, also
 * raw bytes, and reads replies in the order they arrive).
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { FrameReader } from '@pic-storage/framing';
import { FRAME_FORMAT, encodeFrame, type FrameHeader } from '@pic-storage/frame-protocol';

export interface Frame {
  header: FrameHeader;
  body: Buffer;
}

export interface BackendReply {
  ret?: number;
  body?: Buffer;
}

/** What a backend does with a request: a reply (maybe later), or HANG to never answer. */
export type Behaviour = (request: Frame) => BackendReply | typeof HANG | Promise<BackendReply | typeof HANG>;
export const HANG = Symbol('hang');

/** Echoes the body; ret 0. */
export const echo: Behaviour = (request) => ({ body: request.body });

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeBackend {
  readonly requests: Frame[] = [];
  /** Connections ever accepted. */
  accepted = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    public behaviour: Behaviour,
  ) {}

  /** Listens on 127.0.0.1:`port` (0: a free one). */
  static async start(behaviour: Behaviour = echo, port = 0): Promise<FakeBackend> {
    const server = createServer();
    const backend = new FakeBackend(server, behaviour);
    server.on('connection', (socket) => backend.accept(socket));
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return backend;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Connections open now. */
  get connections(): number {
    return this.sockets.size;
  }

  private accept(socket: Socket): void {
    this.accepted++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const reader = new FrameReader(FRAME_FORMAT, { maxBody: 64 * 1024 * 1024 });
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        if (event.type === 'frame') void this.answer(socket, { header: event.header, body: event.body });
      }
    });
  }

  private async answer(socket: Socket, request: Frame): Promise<void> {
    this.requests.push(request);
    const reply = await this.behaviour(request);
    if (reply === HANG || socket.destroyed) return;
    const { cmd, id, seq } = request.header;
    socket.write(encodeFrame({ cmd, id, seq, ret: reply.ret ?? 0 }, reply.body));
  }

  /** Dies at once: every connection reset, nothing answered, the port closed. */
  async kill(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.resetAndDestroy();
    await closed;
  }
}

/** A client that picks its own seqs and reads replies as they come. */
export class TestClient {
  private readonly replies: Frame[] = [];
  private waiters: (() => void)[] = [];
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    const reader = new FrameReader(FRAME_FORMAT, { maxBody: 64 * 1024 * 1024 });
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        if (event.type === 'frame') this.replies.push({ header: event.header, body: event.body });
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      }),
    );
  }

  static async connect(address: { host: string; port: number }): Promise<TestClient> {
    const socket = connect(address.port, address.host);
    await once(socket, 'connect');
    return new TestClient(socket);
  }

  send(fields: { cmd: number; seq: number; id?: number }, body?: Buffer): void {
    this.socket.write(encodeFrame({ cmd: fields.cmd, id: fields.id ?? 0, seq: fields.seq }, body));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next reply to arrive; rejects when the connection closes first. */
  async next(): Promise<Frame> {
    while (this.replies.length === 0) {
      if (this.ended) throw new Error('the proxy closed the connection');
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
    return this.replies.shift() as Frame;
  }

  /** Sends one request and waits for the reply with its seq (others stay queued for next()). */
  async request(fields: { cmd: number; seq: number; id?: number }, body?: Buffer): Promise<Frame> {
    this.send(fields, body);
    for (;;) {
      const i = this.replies.findIndex((reply) => reply.header.seq === fields.seq);
      if (i >= 0) return this.replies.splice(i, 1)[0] as Frame;
      if (this.ended) throw new Error('the proxy closed the connection');
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
