import { performance } from 'node:perf_hooks';
import { parseHostPort } from '@pic-storage/service-process';
import { FrameClient, FrameClientError, type ForwardTarget, type ServiceLogger } from '@pic-storage/frame-service';

export interface BackendAddress {
  readonly host: string;
  readonly port: number;
}

/** `host:port` or `[ipv6]:port`; throws a RangeError saying what is wrong. */
export function parseBackendAddress(text: string): BackendAddress {
  const address = parseHostPort(text);
  if (address === undefined) {
    throw new RangeError(`${JSON.stringify(text)} is not a backend address like 127.0.0.1:9020`);
  }
  return address;
}

export interface BackendOptions {
  /** Connections to this backend, shared by every client of the proxy. */
  readonly connections: number;
  readonly connectTimeoutMs: number;
  /** Requests awaiting their reply on one connection; past it the request goes to another backend. */
  readonly maxInFlight: number;
  /** The largest reply frame accepted. */
  readonly maxFrameLength: number;
  /** How long a backend that refused a connection is skipped. */
  readonly retryIntervalMs: number;
  readonly logger: ServiceLogger;
}

/**
 * How a backend is doing. `down`: a connect failed; it is skipped until `retryAt`, then one request
 * (the probe) tries it: `probing` until that request ends. Only a connect failure takes a backend
 * down: a request that was sent and then timed out says the backend is there but slow, and
 * least-in-flight picking already sends less to it.
 */
export type BackendHealth = 'up' | 'down' | 'probing';

/**
 * One backend address: its connections (FrameClients, which pick their own seqs: that is the seq
 * remapping that lets every client of the proxy share them), the requests in flight on it, and
 * whether it can be reached.
 */
export class Backend {
  readonly address: string;
  private readonly clients: readonly FrameClient[];
  private state: BackendHealth = 'up';
  private retryAt = 0;
  private downSince = 0;

  constructor(
    target: BackendAddress,
    private readonly options: BackendOptions,
  ) {
    this.address = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
    this.clients = Array.from(
      { length: options.connections },
      () =>
        new FrameClient({
          host: target.host,
          port: target.port,
          connectTimeoutMs: options.connectTimeoutMs,
          maxInFlight: options.maxInFlight,
          maxFrameLength: options.maxFrameLength,
        }),
    );
  }

  /** Requests sent or being sent to this backend whose reply has not come. */
  get inFlight(): number {
    let n = 0;
    for (const client of this.clients) n += client.inFlight;
    return n;
  }

  /** `down` turns into a chance to probe once its retry time has come. */
  health(now = performance.now()): BackendHealth | 'due' {
    return this.state === 'down' && now >= this.retryAt ? 'due' : this.state;
  }

  /**
   * Forwards one request frame on the least busy connection, as FrameClient#forward: a refusal is
   * returned at once, else the response or failure goes to `target`. A FrameClientError with
   * `sent` false means the backend never got the request and another may be tried. The caller
   * reports how it ended, `answered()` or `failed(err)`, which is what keeps the backend's health.
   */
  forward(buf: Buffer, at: number, length: number, timeoutMs: number, target: ForwardTarget): Error | undefined {
    if (this.state === 'down') this.state = 'probing';
    let client = this.clients[0] as FrameClient;
    for (const other of this.clients) if (other.inFlight < client.inFlight) client = other;
    return client.forward(buf, at, length, timeoutMs, target);
  }

  /** A request of `forward()` got its response. */
  answered(): void {
    if (this.state === 'probing') this.reached();
  }

  /** A request of `forward()` failed with `err` (or was refused). */
  failed(err: unknown): void {
    const failure = err instanceof FrameClientError ? err : undefined;
    // A timeout before the send: no connection came within the request's time (a host dropping SYNs).
    if (failure !== undefined && !failure.sent && (failure.reason === 'connect' || failure.reason === 'timeout')) {
      this.unreachable(failure);
    } else if (failure?.sent === true) {
      this.reached();
    } else if (this.state === 'probing') {
      this.state = 'down'; // busy, or a request it could not encode: no verdict, the next request probes
    }
  }

  /** A connection was made: a probe that got this far brings the backend back. */
  private reached(): void {
    if (this.state !== 'probing') return;
    this.state = 'up';
    const downMs = Math.round(performance.now() - this.downSince);
    this.options.logger.info({ backend: this.address, downMs }, 'backend reachable again');
  }

  private unreachable(err: FrameClientError): void {
    const now = performance.now();
    if (this.state === 'up') {
      this.downSince = now;
      this.options.logger.warn(
        { backend: this.address, err: err.message, retryIntervalMs: this.options.retryIntervalMs },
        'backend unreachable, skipping it',
      );
    }
    this.state = 'down';
    this.retryAt = now + this.options.retryIntervalMs;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
  }
}
