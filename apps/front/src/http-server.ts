import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STOP_TIMEOUT_MS } from '@pic-storage/service-process';

export interface FrontServerOptions {
  host: string;
  port: number;
  maxConnections: number;
  keepAliveTimeoutMs: number;
  requestTimeoutMs: number;
}

/** A handler that answers the requests it knows and returns false, touching nothing, for the rest. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;
export type Fallback = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The front's one HTTP listener. Every request goes to the fast path first, as plain node:http:
 * downloads, then upload.cgi (neither pays for Express routing: docs/services/front.md); whatever
 * it does not take goes to the Express app (purge, status, errors, odd spellings of upload.cgi).
 */
export class FrontServer {
  private readonly server: Server;

  constructor(
    private readonly options: FrontServerOptions,
    fastPath: FastPath,
    fallback: Fallback,
  ) {
    this.server = createServer({ keepAliveTimeout: options.keepAliveTimeoutMs }, (req, res) => {
      if (!fastPath(req, res)) fallback(req, res);
    });
    this.server.maxConnections = options.maxConnections;
    this.server.requestTimeout = options.requestTimeoutMs;
    this.server.headersTimeout = Math.min(options.requestTimeoutMs, 60_000);
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
    const address = this.server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /**
   * Stops accepting, lets the requests in progress finish (idle keep-alive connections close at
   * once), and after STOP_TIMEOUT_MS closes whatever is left.
   */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A keep-alive connection whose response ends after close() becomes idle then: close those too.
    this.server.closeIdleConnections();
    const sweep = setInterval(() => this.server.closeIdleConnections(), 50);
    const timer = setTimeout(() => this.server.closeAllConnections(), STOP_TIMEOUT_MS - 1_000);
    timer.unref();
    await closed;
    clearInterval(sweep);
    clearTimeout(timer);
  }
}
