import type { Server, Socket } from 'node:net';
import type { EmbeddedLogger } from '../options.js';

/**
 * Share of maxConnections from which a listener is under pressure: connections idle for
 * pressureIdleTimeoutMs are then closed (instead of after idleTimeoutMs) until it is below again.
 */
export const PRESSURE_SHARE = 0.8;

export interface ConnectionLimits {
  /** The listener's hard cap (net.Server#maxConnections: connections past it are dropped on accept). */
  maxConnections: number;
  /** Connections one remote address may hold on this listener; the next is closed on accept. */
  maxConnectionsPerAddress: number;
  /** Idle time after which a connection is closed while the listener is under pressure. */
  pressureIdleTimeoutMs: number;
}

/** What the request loop exposes of one connection (RequestSource). */
export interface ConnectionActivity {
  /** Since when it waits for its next request with no byte of it received; null while it is in a request. */
  readonly idleSince: number | null;
  /** Received bytes not yet consumed by a handler. */
  readonly buffered: number;
}

/** One live connection, as `EmbeddedFdfs#connectionStats` lists it. */
export interface ConnectionStats {
  role: 'tracker' | 'storage';
  remoteAddress: string;
  remotePort: number;
  /** Accept time, ms since the epoch. */
  connectedAt: number;
  /** How long it has been idle between requests; null while a request is in progress. */
  idleMs: number | null;
  /** Request bytes received and held in the process (unparsed pipelined requests, a body not yet taken). */
  bufferedIn: number;
  /** Reply bytes written and not yet taken by the kernel. */
  bufferedOut: number;
  bytesRead: number;
  bytesWritten: number;
}

/** An admitted connection; the request loop hands it its activity. */
export class TrackedConnection {
  private activity: ConnectionActivity | null = null;

  constructor(
    readonly socket: Socket,
    readonly address: string,
    readonly connectedAt: number,
  ) {}

  observe(activity: ConnectionActivity): void {
    this.activity = activity;
  }

  get idleSince(): number | null {
    return this.activity?.idleSince ?? null;
  }

  get buffered(): number {
    return this.activity?.buffered ?? 0;
  }
}

/**
 * The connections of one listener, so that a client holding many costs itself rather than
 * everyone: a per-address cap on accept, and, while the listener holds PRESSURE_SHARE of
 * maxConnections or more, idle connections closed after pressureIdleTimeoutMs, those of the
 * address holding the most first, then the longest idle. Sweeps run on accept, when the server
 * drops a connection at its cap, and on a timer while the pressure lasts.
 */
export class ConnectionTable {
  private readonly live = new Set<TrackedConnection>();
  private readonly perAddress = new Map<string, number>();
  /** Addresses already warned about while at their cap: one log line each, not one per refusal. */
  private readonly warned = new Set<string>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly role: 'tracker' | 'storage',
    private readonly limits: ConnectionLimits,
    private readonly logger: EmbeddedLogger,
  ) {}

  get size(): number {
    return this.live.size;
  }

  /** Applies the hard cap to `server`; a connection it drops at the cap triggers a sweep. */
  attach(server: Server): void {
    server.maxConnections = this.limits.maxConnections;
    server.on('drop', () => this.sweep());
  }

  /** Takes a new connection in, or closes it (null) when its address holds its share already. */
  admit(socket: Socket): TrackedConnection | null {
    const address = addressOf(socket);
    const held = this.perAddress.get(address) ?? 0;
    if (held >= this.limits.maxConnectionsPerAddress) {
      if (!this.warned.has(address)) {
        this.warned.add(address);
        this.logger.warn(
          { role: this.role, address, limit: this.limits.maxConnectionsPerAddress },
          'address holds its maximum of connections: refusing more',
        );
      }
      socket.destroy();
      return null;
    }
    const conn = new TrackedConnection(socket, address, Date.now());
    this.live.add(conn);
    this.perAddress.set(address, held + 1);
    socket.once('close', () => this.remove(conn));
    this.sweep();
    return conn;
  }

  /** Closes every connection (the server is stopping). */
  closeAll(): void {
    for (const conn of this.live) conn.socket.destroy();
  }

  stats(): ConnectionStats[] {
    const now = Date.now();
    return [...this.live].map((c) => {
      const since = c.idleSince;
      return {
        role: this.role,
        remoteAddress: c.address,
        remotePort: c.socket.remotePort ?? 0,
        connectedAt: c.connectedAt,
        idleMs: since === null ? null : now - since,
        bufferedIn: c.buffered,
        bufferedOut: c.socket.writableLength,
        bytesRead: c.socket.bytesRead,
        bytesWritten: c.socket.bytesWritten,
      };
    });
  }

  private get threshold(): number {
    return Math.ceil(this.limits.maxConnections * PRESSURE_SHARE);
  }

  /** Under pressure, closes idle connections until the listener is below the threshold again. */
  private sweep(): void {
    if (this.live.size < this.threshold) {
      this.stopSweeper();
      return;
    }
    const now = Date.now();
    const ripe = [...this.live].filter((c) => {
      const since = c.idleSince;
      return since !== null && now - since >= this.limits.pressureIdleTimeoutMs;
    });
    while (this.live.size >= this.threshold && ripe.length > 0) {
      const at = this.pick(ripe);
      const [conn] = ripe.splice(at, 1) as [TrackedConnection];
      this.logger.info(
        { role: this.role, peer: `${conn.address}:${conn.socket.remotePort ?? '?'}`, connections: this.live.size },
        'closing an idle connection: the listener is near max_connections',
      );
      conn.socket.destroy();
      this.remove(conn);
    }
    if (this.live.size >= this.threshold) this.startSweeper();
    else this.stopSweeper();
  }

  /** The candidate whose address holds the most connections; among equals the one idle longest. */
  private pick(candidates: TrackedConnection[]): number {
    let best = 0;
    for (let i = 1; i < candidates.length; i++) {
      const a = candidates[i] as TrackedConnection;
      const b = candidates[best] as TrackedConnection;
      const heldA = this.perAddress.get(a.address) ?? 0;
      const heldB = this.perAddress.get(b.address) ?? 0;
      if (heldA > heldB || (heldA === heldB && (a.idleSince ?? 0) < (b.idleSince ?? 0))) best = i;
    }
    return best;
  }

  /** Forgets a connection; a second call (reaped, then its 'close') changes nothing. */
  private remove(conn: TrackedConnection): void {
    if (!this.live.delete(conn)) return;
    const held = (this.perAddress.get(conn.address) ?? 1) - 1;
    if (held > 0) this.perAddress.set(conn.address, held);
    else this.perAddress.delete(conn.address);
    if (held < this.limits.maxConnectionsPerAddress) this.warned.delete(conn.address);
    if (this.live.size < this.threshold) this.stopSweeper();
  }

  private startSweeper(): void {
    if (this.sweeper !== null) return;
    this.logger.warn(
      { role: this.role, connections: this.live.size, maxConnections: this.limits.maxConnections },
      'listener near max_connections: closing connections idle for the pressure idle timeout',
    );
    const every = Math.min(1000, Math.max(10, Math.floor(this.limits.pressureIdleTimeoutMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper === null) return;
    clearInterval(this.sweeper);
    this.sweeper = null;
  }
}

/** The peer's address; an IPv4-mapped IPv6 address counts as the IPv4 one. */
function addressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? '?';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
