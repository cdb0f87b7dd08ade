/**
 * Why a framed stream cannot go on: a frame over its limit (`limit`), the peer gone
 * (`closed`), or a write that the peer did not take within the timeout (`timeout`).
 */
export class FrameError extends Error {
  constructor(
    readonly reason: 'limit' | 'closed' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}
