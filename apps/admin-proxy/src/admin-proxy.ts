import { FrameServer } from '@pic-storage/frame-service';
import { resolveProxyOptions, type AdminProxyOptions } from './proxy-options.js';
import { Relay } from './relay.js';
import { RouteTable } from './route-table.js';

/**
 * admin_proxy: the one external port of the framed services (docs/frame-protocol.md). A FrameServer (bounded
 * connections and in-flight per client, frames up to maxFrameLength) whose every request is
 * relayed to a backend of its cmd over connections shared by all clients.
 */
export class AdminProxy {
  private readonly server: FrameServer;
  private readonly routes: RouteTable;

  constructor(options: AdminProxyOptions) {
    const resolved = resolveProxyOptions(options);
    const { logger, allowList } = resolved;
    this.routes = new RouteTable(resolved.routes, {
      connections: resolved.backendConnections,
      connectTimeoutMs: resolved.connectTimeoutMs,
      maxInFlight: resolved.backendMaxInFlight,
      maxFrameLength: resolved.server.maxFrameLength,
      retryIntervalMs: resolved.retryIntervalMs,
      logger,
    });
    this.server = new FrameServer({
      ...resolved.server,
      handlers: new Map(),
      forwarder: new Relay(this.routes, logger),
      allowAddress: allowList.everyone ? undefined : (address) => allowList.allows(address),
      logger,
    });
  }

  async start(): Promise<void> {
    await this.server.start();
  }

  get address(): { host: string; port: number } {
    return this.server.address;
  }

  /** Stops taking connections, lets the requests in flight get their replies, then closes the backends. */
  async stop(): Promise<void> {
    await this.server.stop();
    await this.routes.close();
  }
}
