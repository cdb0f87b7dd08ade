import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ServerConnection } from './server-connection.js';
import {
  resolveFrameServerOptions,
  type FrameServerOptions,
  type ResolvedFrameServerOptions,
} from './server-options.js';
import { emptyServerStats, type FrameServerStats } from './server-stats.js';

/**
 * A framed TCP service (docs/frame-protocol.md): accepts connections up to maxConnections,
 * serves each one's requests by cmd (pipelined, replies matched by seq) and stops gracefully.
 */
export class FrameServer {
  private readonly options: ResolvedFrameServerOptions;
  private readonly server: Server;
  private readonly connections = new Set<ServerConnection>();
  private readonly counters = emptyServerStats();
  private stopping: Promise<void> | undefined;

  constructor(options: FrameServerOptions) {
    this.options = resolveFrameServerOptions(options);
    this.server = createServer((socket) => this.accept(socket));
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {}); // a refused socket may still report its reset
    const remote = socket.remoteAddress ?? '';
    const { allowAddress, maxConnections, logger } = this.options;
    let refusal: string | undefined;
    if (this.stopping !== undefined) refusal = 'the server is stopping';
    else if (allowAddress !== undefined && !allowAddress(remote)) refusal = 'not in the allow-list';
    else if (this.connections.size >= maxConnections)
      refusal = `${maxConnections} connections already (maxConnections)`;
    if (refusal !== undefined) {
      this.counters.refused++;
      logger.warn({ remote, reason: refusal }, 'connection refused');
      socket.destroy();
      return;
    }
    const connection = new ServerConnection(socket, this.options, this.counters);
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

  /** A snapshot of the counters (a copy: later changes do not show in it). */
  get stats(): FrameServerStats {
    return { ...this.counters, connections: this.connections.size };
  }

  /**
   * Stops accepting (new connections are refused at once), lets every connection finish the
   * requests it started and write their replies, then closes it. What still runs after
   * stopTimeoutMs is cut off. Calling it again returns the same promise.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const ended = Promise.all([...this.connections].map((connection) => connection.end()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.stopTimeoutMs);
    });
    const outcome = await Promise.race([ended, deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.options.logger.warn(
        { connections: this.connections.size, stopTimeoutMs: this.options.stopTimeoutMs },
        'stop timed out, closing the connections still serving',
      );
      for (const connection of this.connections) connection.destroy();
    }
    await Promise.all([...this.connections].map((connection) => connection.whenClosed));
    await closed;
  }
}
