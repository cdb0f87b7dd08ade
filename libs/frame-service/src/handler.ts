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
