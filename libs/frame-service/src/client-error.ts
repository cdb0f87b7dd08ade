/**
 * Why a FrameClient request failed without a response:
 *
 *   connect   no connection could be made (refused, unreachable, connectTimeoutMs)   sent: false
 *   closed    the connection ended before the response, or the client was closed      sent: as it was
 *   timeout   no response within the request's timeout                                sent: as it was
 *   busy      maxInFlight requests already await their responses                      sent: false
 *   protocol  the server sent a frame that cannot be framed or matched (bad len,      sent: true
 *             a seq no request has, a cmd that is not the request's); the connection
 *             is closed and every request on it fails with this reason
 */
export type FrameClientErrorReason = 'connect' | 'closed' | 'timeout' | 'busy' | 'protocol';

/**
 * `sent` says whether the request may have reached the server: false only when it was never
 * written to a connection. A caller may retry elsewhere only what was not sent (admin_proxy).
 */
export class FrameClientError extends Error {
  constructor(
    readonly reason: FrameClientErrorReason,
    message: string,
    readonly sent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FrameClientError';
  }
}
