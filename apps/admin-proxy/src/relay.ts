import { performance } from 'node:perf_hooks';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';
import {
  FrameClientError,
  type FrameRequest,
  type ReplyCallback,
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
 * The proxy's FrameServer relay: every request goes to a backend of its cmd and the backend's
 * reply comes back as it is (ret and body; the FrameServer puts the client's own cmd, id and seq
 * on it). A backend that could not be sent the request (connect failed, too busy) is skipped for
 * the next one; a request that was sent is never sent again, since it may have run (a crop stores
 * a file): its failure or timeout is BACKEND_UNAVAILABLE.
 */
export class Relay {
  private readonly outages = new Map<number, Outage>();

  constructor(
    private readonly routes: RouteTable,
    private readonly logger: ServiceLogger,
  ) {}

  /** The proxy's FrameRelayHandler: answers through `reply`, once. */
  serve(request: FrameRequest, reply: ReplyCallback): void {
    const { cmd } = request.header;
    const route = this.routes.get(cmd);
    if (route === undefined) return reply(new ResultError(ResultCode.UNKNOWN_CMD, `no route for cmd ${cmd}`));
    this.attempt(route, request, undefined, reply);
  }

  /** Sends the request to the best backend not in `tried` (created on the first failover only). */
  private attempt(
    route: RouteEntry,
    request: FrameRequest,
    tried: Set<Backend> | undefined,
    reply: ReplyCallback,
  ): void {
    const { cmd, id } = request.header;
    // A client gone before its request left: no backend should do the work.
    if (request.signal.aborted) return reply(new ResultError(ResultCode.BACKEND_UNAVAILABLE, 'the client left'));
    const backend = route.pool.pick(tried);
    if (backend === undefined) return reply(this.refuse(route, tried));
    backend.send(cmd, request.body, { id, timeoutMs: route.timeoutMs }, (err, response) => {
      if (err === null) {
        backend.answered();
        if (this.outages.size > 0) this.served(route);
        return reply(null, response); // its ret and body are the reply
      }
      backend.failed(err);
      if (!(err instanceof FrameClientError)) return reply(err);
      if (!err.sent) return this.attempt(route, request, (tried ?? new Set<Backend>()).add(backend), reply);
      this.logger.warn(
        { cmd, seq: request.header.seq, remote: request.remoteAddress, backend: backend.address, err: err.message },
        err.reason === 'timeout' ? 'backend timed out' : 'backend failed after the request was sent',
      );
      reply(new ResultError(ResultCode.BACKEND_UNAVAILABLE, err.message, { cause: err }));
    });
  }

  /** No backend left to try. Logs the first refusal of an outage only; served() logs its end. */
  private refuse(route: RouteEntry, tried: ReadonlySet<Backend> | undefined): ResultError {
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

  private served(route: RouteEntry): void {
    const outage = this.outages.get(route.cmd);
    if (outage === undefined) return;
    this.outages.delete(route.cmd);
    this.logger.info(
      { cmd: route.cmd, refused: outage.refused, outageMs: Math.round(performance.now() - outage.since) },
      'cmd served again',
    );
  }
}
