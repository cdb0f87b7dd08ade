/**
 * Why a session key, a DES key or a field was refused. `code` is stable: sess_check_svr maps
 * SESSION_INVALID to ret 1007 and SESSION_EXPIRED to 1008; BAD_DES_KEY and BAD_FIELD are the
 * caller's mistakes (a conf value, an issue argument), never a client's.
 */
export type SessionKeyErrorCode = 'SESSION_INVALID' | 'SESSION_EXPIRED' | 'BAD_DES_KEY' | 'BAD_FIELD';

export class SessionKeyError extends Error {
  constructor(
    readonly code: SessionKeyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SessionKeyError';
  }
}
