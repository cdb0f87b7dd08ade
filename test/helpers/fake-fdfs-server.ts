import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { FrameReader } from '@pic-storage/framing';
import { encodeHeader, FRAME_FORMAT } from 'fastdfs-protocol';

/** What the fake does with one request. */
export type FakeAction =
  | { reply: Buffer; status?: number }
  | { hang: true }
  | { close: true }
  /** Sends a header announcing `announced` body bytes, then `partial` of them, then closes. */
  | { closeMidReply: { announced: number; partial: number } }
  | { raw: Buffer };

export interface FakeRequest {
  cmd: number;
  status: number;
  body: Buffer;
  /** 1 for the first request on its connection. */
  nthOnConnection: number;
}

/**
 * An in-process FastDFS-speaking TCP server whose every answer is scripted by `handler`
 * (ioredis test/helpers/mock_server.ts style): the fault tests switch it to hang, close, or
 * send garbage. Listens on 127.0.0.1, port 0 unless given.
 */
export class FakeFdfsServer {
  readonly requests: FakeRequest[] = [];
  connections = 0;
  openConnections = 0;
  maxOpenConnections = 0;
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(public handler: (req: FakeRequest) => FakeAction | Promise<FakeAction>) {}

  async listen(port = 0): Promise<number> {
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, '127.0.0.1', () => resolve());
    });
    return this.port;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.openConnections++;
    this.maxOpenConnections = Math.max(this.maxOpenConnections, this.openConnections);
    this.sockets.add(socket);
    socket.on('close', () => {
      this.openConnections--;
      this.sockets.delete(socket);
    });
    socket.on('error', () => undefined);
    // Requests are framed as they arrive and answered one at a time, in order: a request waits
    // in `queue` while the handler of the one before it runs, or after a `hang`.
    const frames = new FrameReader(FRAME_FORMAT, { maxBody: Number.MAX_SAFE_INTEGER });
    const queue: Omit<FakeRequest, 'nthOnConnection'>[] = [];
    let nth = 0;
    let busy = false;
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const req: FakeRequest = { ...next, nthOnConnection: ++nth };
        this.requests.push(req);
        if (req.cmd === 82) {
          socket.end();
          break;
        }
        const action = await this.handler(req);
        if ('hang' in action) break;
        if ('close' in action) {
          socket.destroy();
          break;
        }
        if ('closeMidReply' in action) {
          const { announced, partial } = action.closeMidReply;
          socket.write(Buffer.concat([encodeHeader(announced, 100, 0), Buffer.alloc(partial, 0x61)]));
          setTimeout(() => socket.destroy(), 20);
          break;
        }
        if ('raw' in action) {
          socket.write(action.raw);
          continue;
        }
        socket.write(Buffer.concat([encodeHeader(action.reply.length, 100, action.status ?? 0), action.reply]));
      }
      busy = false;
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const event of frames.push(chunk)) {
          if (event.type !== 'frame') continue;
          const { cmd, status } = event.header;
          queue.push({ cmd, status, body: Buffer.from(event.body) });
        }
      } catch {
        socket.destroy(); // a header no FastDFS peer would send (negative or absurd length)
        return;
      }
      void pump();
    });
  }

  /** Drops every open connection (as a restarting server would). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A port with nothing listening on it (bound, read, released). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
