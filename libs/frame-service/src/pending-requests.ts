import type { FrameHeader } from '@pic-storage/frame-protocol';
import type { ClientConnection } from './client-connection.js';
import type { FrameClientError } from './client-error.js';

export interface FrameResponse {
  readonly header: FrameHeader;
  readonly ret: number;
  readonly body: Buffer;
}

/** A request awaiting its response. */
export interface PendingRequest {
  readonly seq: number;
  readonly cmd: number;
  /** The connection the request was written on; undefined while it waits for one. */
  conn: ClientConnection | undefined;
  readonly resolve: (response: FrameResponse) => void;
  readonly reject: (err: FrameClientError) => void;
  readonly timer: NodeJS.Timeout;
}

const MAX_SEQ = 0xffffffff;

/**
 * The requests of a FrameClient awaiting their responses, by seq. Each one leaves the table once,
 * whichever comes first: its response, its timeout, or its connection's end.
 */
export class PendingRequests {
  private readonly bySeq = new Map<number, PendingRequest>();
  private nextSeq = 1;

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
  }

  get(seq: number): PendingRequest | undefined {
    return this.bySeq.get(seq);
  }

  /** False when the request already left the table (answered, timed out or failed). */
  has(request: PendingRequest): boolean {
    return this.bySeq.get(request.seq) === request;
  }

  resolve(request: PendingRequest, response: FrameResponse): void {
    if (!this.remove(request)) return;
    request.resolve(response);
  }

  reject(request: PendingRequest, err: FrameClientError): void {
    if (!this.remove(request)) return;
    request.reject(err);
  }

  /** The requests written on `conn`, or every request. */
  list(conn?: ClientConnection): PendingRequest[] {
    const all = [...this.bySeq.values()];
    return conn === undefined ? all : all.filter((request) => request.conn === conn);
  }

  private remove(request: PendingRequest): boolean {
    if (!this.has(request)) return false;
    this.bySeq.delete(request.seq);
    clearTimeout(request.timer);
    return true;
  }
}
