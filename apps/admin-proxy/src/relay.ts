import { performance } from 'node:perf_hooks';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';
import {
  FrameClientError,
  type ForwardTarget,
  type FrameForwarder,
  type FrameOrigin,
  type ServiceLogger,
} from '@pic-storage/frame-service';
import type { Backend } from './backend.js';
import type { RouteEntry, RouteTable } from './route-table.js';

/** A cmd none of whose backends could be tried: logged when it starts and when it ends. */
interface Outage {
  readonly since: number;
  refused: number;
}

/**
 * The proxy's FrameServer forwarder: every request frame goes to a backend of its cmd and the
 * backend's response frame comes back as it is (cmd, ret and body; the client's own id and seq
 * put back on it). The bytes are copied from the client's chunk into the backend connection's
 * write batch and back, with no object per request but its RelayedRequest.
 *
 * A backend that could not be sent the request (connect failed, too busy) is skipped for the next
 * one; a request that was sent is never sent again, since it may have run (a crop stores a file):
 * its failure or timeout is BACKEND_UNAVAILABLE.
 */
export class Relay implements FrameForwarder {
  private readonly outages = new Map<number, Outage>();

  constructor(
    private readonly routes: RouteTable,
    readonly logger: ServiceLogger,
  ) {}

  forward(origin: FrameOrigin, buf: Buffer, at: number, length: number): void {
    const cmd = buf.readUInt16LE(at + 4);
    const id = buf.readUInt32LE(at + 6);
    const seq = buf.readUInt32LE(at + 10);
    const route = this.routes.get(cmd);
    if (route === undefined) {
      origin.refuse(cmd, id, seq, new ResultError(ResultCode.UNKNOWN_CMD, `no route for cmd ${cmd}`));
      return;
    }
    this.attempt(new RelayedRequest(this, origin, route, id, seq), buf, at, length);
  }

  /** Sends the request frame at buf[at, at + length) to the best backend it has not been refused by. */
  attempt(request: RelayedRequest, buf: Buffer, at: number, length: number): void {
    const { origin, route } = request;
    for (;;) {
      // A client gone before its request left: no backend should do the work.
      if (origin.closed) return request.refuse(new ResultError(ResultCode.BACKEND_UNAVAILABLE, 'the client left'));
      const backend = route.pool.pick(request.tried);
      if (backend === undefined) return request.refuse(this.refusal(route, request.tried));
      request.backend = backend; // before the send: its answer is the backend's to account for
      const refused = backend.forward(buf, at, length, route.timeoutMs, request);
      if (refused === undefined) return;
      backend.failed(refused);
      if (!(refused instanceof FrameClientError)) return request.refuse(refused);
      (request.tried ??= new Set<Backend>()).add(backend);
    }
  }

  /** No backend left to try. Logs the first refusal of an outage only; served() logs its end. */
  private refusal(route: RouteEntry, tried: ReadonlySet<Backend> | undefined): ResultError {
    const outage = this.outages.get(route.cmd);
    if (outage !== undefined) {
      outage.refused++;
    } else {
      this.outages.set(route.cmd, { since: performance.now(), refused: 1 });
      this.logger.warn(
        { cmd: route.cmd, backends: route.pool.backends.map((b) => b.address), tried: tried?.size ?? 0 },
        'no backend reachable for this cmd, answering BACKEND_UNAVAILABLE',
      );
    }
    return new ResultError(ResultCode.BACKEND_UNAVAILABLE, `no backend reachable for cmd ${route.cmd}`);
  }

  /** A request of `route` was answered: ends its outage, if one was logged. */
  served(route: RouteEntry): void {
    if (this.outages.size === 0) return;
    const outage = this.outages.get(route.cmd);
    if (outage === undefined) return;
    this.outages.delete(route.cmd);
    this.logger.info(
      { cmd: route.cmd, refused: outage.refused, outageMs: Math.round(performance.now() - outage.since) },
      'cmd served again',
    );
  }
}

/** One client request on its way through the relay: who asked, and which backends it went to. */
class RelayedRequest implements ForwardTarget {
  /** The backend the request was last handed to. */
  backend: Backend | undefined;
  /** Backends that refused it before sending (created on the first failover only). */
  tried: Set<Backend> | undefined;

  constructor(
    private readonly relay: Relay,
    readonly origin: FrameOrigin,
    readonly route: RouteEntry,
    private readonly id: number,
    private readonly seq: number,
  ) {}

  forwarded(buf: Buffer, at: number, length: number): void {
    (this.backend as Backend).answered();
    this.relay.served(this.route);
    this.origin.answer(this.seq, this.id, buf, at, length); // its cmd, ret and body are the reply
  }

  failed(err: Error, unsent?: Buffer): void {
    const backend = this.backend as Backend;
    backend.failed(err);
    if (!(err instanceof FrameClientError)) return this.refuse(err);
    if (!err.sent && unsent !== undefined) {
      (this.tried ??= new Set<Backend>()).add(backend);
      return this.relay.attempt(this, unsent, 0, unsent.length);
    }
    this.relay.logger.warn(
      {
        cmd: this.route.cmd,
        seq: this.seq,
        remote: this.origin.remoteAddress,
        backend: backend.address,
        err: err.message,
      },
      err.reason === 'timeout' ? 'backend timed out' : 'backend failed after the request was sent',
    );
    this.refuse(new ResultError(ResultCode.BACKEND_UNAVAILABLE, err.message, { cause: err }));
  }

  refuse(err: Error): void {
    this.origin.refuse(this.route.cmd, this.id, this.seq, err);
  }
}
