import type { FrameHeader } from '@pic-storage/frame-protocol';

export interface FrameRequest {
  readonly header: FrameHeader;
  readonly body: Buffer;
  /** The client's address as the socket reports it (`127.0.0.1`, `::ffff:10.1.1.5`). */
  readonly remoteAddress: string;
  /**
   * Aborted when the connection closes before the reply (the client went away, or a stop outlived
   * stopTimeoutMs): work that can stop, should.
   */
  readonly signal: AbortSignal;
}

export interface FrameReply {
  /** The result code; default 0. */
  ret?: number;
  body?: Buffer;
}

/**
 * Serves one cmd. Returns the reply, or throws: a ResultError is answered as a header-only
 * response with its code, anything else as INTERNAL (and logged).
 */
export type FrameHandler = (request: FrameRequest) => Promise<FrameReply> | FrameReply;

/**
 * The client connection a forwarded request came on (FrameForwarder). Every request handed to
 * `forward` is answered through it exactly once, with `answer` or `refuse`, from wherever the
 * answer comes (another connection's data event; or during the `forward` call itself).
 */
export interface FrameOrigin {
  /** The client's address as the socket reports it. */
  readonly remoteAddress: string;
  /** True once the client's connection has closed: answers are dropped, so work not begun should not begin. */
  readonly closed: boolean;
  /**
   * Answers with the frame at buf[at, at + length) as it is (a backend's response: its cmd, ret
   * and body) under the request's own `seq` and `id`. The bytes are copied before it returns.
   */
  answer(seq: number, id: number, buf: Buffer, at: number, length: number): void;
  /**
   * Answers with a header-only frame, as if a handler had thrown `err`: a ResultError's code
   * (logged at info, or warn for the service's own trouble), anything else INTERNAL (logged as an error).
   */
  refuse(cmd: number, id: number, seq: number, err: unknown): void;
}

/**
 * Serves every cmd without a handler of its own as bytes, with no per-request object from the
 * server: a proxy passes the frame on and hands the backend's response frame back, rewriting only
 * the seq (docs/services/admin-proxy.md, "Throughput"). `forward` gets the whole request frame,
 * header included, at buf[at, at + length); the bytes are valid only during the call.
 */
export interface FrameForwarder {
  forward(origin: FrameOrigin, buf: Buffer, at: number, length: number): void;
}
