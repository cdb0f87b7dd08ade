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

/** How a FrameRelayHandler answers: once, with an error (answered as a thrown one would be) or the reply. */
export type ReplyCallback = (err: Error | null, reply?: FrameReply) => void;

/**
 * Serves every cmd without a handler of its own by calling `reply` once, from wherever the answer
 * comes: a proxy's answer comes from another connection's data event, and a callback costs no
 * promise (and no turn of the microtask queue) per request, as a FrameHandler's promise does.
 */
export type FrameRelayHandler = (request: FrameRequest, reply: ReplyCallback) => void;
