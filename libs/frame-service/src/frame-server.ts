import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ServerConnection } from './server-connection.js';
import {
  resolveFrameServerOptions,
  type FrameServerOptions,
  type ResolvedFrameServerOptions,
} from './server-options.js';

/**
 * A framed TCP service: accepts connections up to maxConnections, frames each with the shared
 * FrameReader, serves requests by cmd (pipelined, replies by seq) and stops gracefully.
 */
export class FrameServer {
  private readonly options: ResolvedFrameServerOptions;
  private readonly server: Server;
  private readonly connections = new Set<ServerConnection>();

  constructor(options: FrameServerOptions) {
    this.options = resolveFrameServerOptions(options);
    this.server = createServer((socket) => this.accept(socket));
  }

  private accept(socket: Socket): void {
    const remote = socket.remoteAddress ?? '';
    if (this.options.allowAddress !== undefined && !this.options.allowAddress(remote)) {
      this.options.logger.warn({ remote }, 'connection refused by the allow-list');
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.options.maxConnections) {
      this.options.logger.warn({ remote, maxConnections: this.options.maxConnections }, 'too many connections');
      socket.destroy();
      return;
    }
    const connection = new ServerConnection(socket, this.options);
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get address(): { host: string; port: number } {
    const address = this.server.address() as AddressInfo | null;
    if (address === null) throw new Error('the server is not listening');
    return { host: address.address, port: address.port };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting, finishes the requests already received (their replies are written), then
   * closes every connection. What is still running after stopTimeoutMs is cut off.
   */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const drained = Promise.all([...this.connections].map((connection) => connection.drain()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.stopTimeoutMs);
    });
    const outcome = await Promise.race([drained, deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.options.logger.warn({ connections: this.connections.size }, 'stop timed out, closing the rest');
      for (const connection of this.connections) connection.destroy();
    }
    await closed;
  }
}
