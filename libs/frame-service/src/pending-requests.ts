import { performance } from 'node:perf_hooks';
import type { FrameHeader } from '@pic-storage/frame-protocol';
import type { ClientConnection } from './client-connection.js';
import type { FrameClientError } from './client-error.js';

export interface FrameResponse {
  readonly header: FrameHeader;
  readonly ret: number;
  readonly body: Buffer;
}

/**
 * How a request ends: once, with its response or the error that stands for it (a FrameClientError,
 * or a RangeError for arguments that do not fit). It must not throw (see PendingRequests#settle).
 */
export type ResponseCallback = (err: Error | null, response?: FrameResponse) => void;

/**
 * Where the response to a forwarded request goes (FrameClient#forward): the response frame as
 * bytes, with no response object and no callback per request. Neither method may throw.
 */
export interface ForwardTarget {
  /** The response frame at buf[at, at + length), its seq still the client's own (valid only during the call). */
  forwarded(buf: Buffer, at: number, length: number): void;
  /**
   * No response: `err` as a ResponseCallback's. A request that was never written comes back as
   * `unsent` (the request frame) when the caller no longer has it, so another backend can be tried.
   */
  failed(err: Error, unsent?: Buffer): void;
}

/** A request awaiting its response. */
export interface PendingRequest {
  readonly seq: number;
  readonly cmd: number;
  /** The connection the request was written on; undefined while it waits for one. */
  conn: ClientConnection | undefined;
  readonly settle: ResponseCallback | ForwardTarget;
  /** A forwarded request's frame while it waits for a connection (its caller's bytes are gone by then). */
  unsent?: Buffer | undefined;
  /** performance.now() at which the request times out, and the timeout it was given. */
  readonly deadline: number;
  readonly timeoutMs: number;
}

const MAX_SEQ = 0xffffffff;
/** setTimeout's largest delay; a later deadline is looked at again then. */
const MAX_DELAY_MS = 0x7fffffff;

/**
 * The requests of a FrameClient awaiting their responses, by seq. Each one leaves the table once,
 * whichever comes first: its response, its timeout, or its connection's end.
 *
 * Timeouts share one timer, set for the earliest deadline in the table; when it fires, every
 * request past its deadline is handed to `onExpired` and the timer is set for the next one. A
 * timer per request cost an allocation and two timer-list updates for every request of a busy
 * client (the proxy's backend connections, a load generator), for timeouts that almost never fire.
 */
export class PendingRequests {
  private readonly bySeq = new Map<number, PendingRequest>();
  private nextSeq = 1;
  private timer: NodeJS.Timeout | undefined;
  /** The deadline the timer is set for; Infinity when it is not set. */
  private timerAt = Infinity;

  constructor(private readonly onExpired: (request: PendingRequest) => void) {}

  get size(): number {
    return this.bySeq.size;
  }

  /** Seqs run 1..2^32-1 and wrap, skipping any in flight or late on `conn`. */
  takeSeq(conn: ClientConnection | undefined): number {
    let seq = this.nextSeq;
    while (this.bySeq.has(seq) || conn?.isLate(seq) === true) seq = seq >= MAX_SEQ ? 1 : seq + 1;
    this.nextSeq = seq >= MAX_SEQ ? 1 : seq + 1;
    return seq;
  }

  add(request: PendingRequest): void {
    this.bySeq.set(request.seq, request);
    if (request.deadline < this.timerAt) this.arm(request.deadline);
  }

  get(seq: number): PendingRequest | undefined {
    return this.bySeq.get(seq);
  }

  /** False when the request already left the table (answered, timed out or failed). */
  has(request: PendingRequest): boolean {
    return this.bySeq.get(request.seq) === request;
  }

  resolve(request: PendingRequest, response: FrameResponse): void {
    if (this.remove(request)) settle(request, null, response);
  }

  /** A forwarded request's response frame, at buf[at, at + length). */
  forwarded(request: PendingRequest, buf: Buffer, at: number, length: number): void {
    if (!this.remove(request)) return;
    try {
      (request.settle as ForwardTarget).forwarded(buf, at, length);
    } catch (thrown) {
      rethrow(thrown);
    }
  }

  reject(request: PendingRequest, err: FrameClientError): void {
    if (this.remove(request)) settle(request, err);
  }

  /** The requests written on `conn`, or every request. */
  list(conn?: ClientConnection): PendingRequest[] {
    const all = [...this.bySeq.values()];
    return conn === undefined ? all : all.filter((request) => request.conn === conn);
  }

  /**
   * The timer stays set when the table empties (a client whose pipeline drains at every batch
   * would otherwise clear and set it each time); when it fires on an empty table it is not set
   * again. It never holds the event loop (or a CLI's exit): it is unref'd, and a request in the
   * table always has a socket that does (connected, or connecting).
   */
  private remove(request: PendingRequest): boolean {
    if (!this.has(request)) return false;
    this.bySeq.delete(request.seq);
    return true;
  }

  private arm(deadline: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = deadline;
    const delay = Math.min(MAX_DELAY_MS, Math.max(1, Math.ceil(deadline - performance.now())));
    this.timer = setTimeout(this.sweep, delay).unref();
  }

  /** The timer fired: expires what is due, sets the timer for the earliest deadline left. */
  private readonly sweep = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    for (const request of this.list()) {
      if (request.deadline <= now) this.onExpired(request);
    }
    let next = Infinity;
    for (const request of this.bySeq.values()) if (request.deadline < next) next = request.deadline;
    if (next < this.timerAt) this.arm(next);
  };
}

/**
 * Calls the request's callback (a forwarded one's `failed`: a forwarded response goes to
 * PendingRequests#forwarded). One that throws is a bug of its caller: it is thrown again on its
 * own (an uncaught exception), not into the response loop, where it would be taken for a bad
 * response and fail the connection and every request on it.
 */
function settle(request: PendingRequest, err: Error | null, response?: FrameResponse): void {
  try {
    const { settle } = request;
    if (typeof settle === 'function') settle(err, response);
    else settle.failed(err as Error, request.unsent);
  } catch (thrown) {
    rethrow(thrown);
  }
}

function rethrow(thrown: unknown): void {
  queueMicrotask(() => {
    throw thrown;
  });
}
