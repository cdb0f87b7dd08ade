/**
 * Why a FrameClient request failed without a response. `sent` says whether the request may have
 * reached the server: a caller may retry elsewhere only what was not sent (admin_proxy).
 */
export class FrameClientError extends Error {
  constructor(
    readonly reason: 'connect' | 'closed' | 'timeout' | 'busy' | 'protocol',
    message: string,
    readonly sent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FrameClientError';
  }
}
