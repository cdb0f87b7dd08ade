/**
 * Errors are data: every error the client throws is an FdfsError with a stable `code`,
 * a `retriable` flag (would the same call succeed later or elsewhere?) and an optional `cause`.
 */
export const ErrorCode = {
  CONNECT: 'FDFS_ERR_CONNECT',
  CONNECT_TIMEOUT: 'FDFS_ERR_CONNECT_TIMEOUT',
  NETWORK_TIMEOUT: 'FDFS_ERR_NETWORK_TIMEOUT',
  CONNECTION_CLOSED: 'FDFS_ERR_CONNECTION_CLOSED',
  POOL_TIMEOUT: 'FDFS_ERR_POOL_TIMEOUT',
  POOL_FULL: 'FDFS_ERR_POOL_FULL',
  POOL_CLOSED: 'FDFS_ERR_POOL_CLOSED',
  NO_TRACKER: 'FDFS_ERR_NO_TRACKER',
  PROTOCOL: 'FDFS_ERR_PROTOCOL',
  INVALID_FILE_ID: 'FDFS_ERR_INVALID_FILE_ID',
  INVALID_ARGUMENT: 'FDFS_ERR_INVALID_ARGUMENT',
  INVALID_CONFIG: 'FDFS_ERR_INVALID_CONFIG',
  NOT_FOUND: 'FDFS_ERR_NOT_FOUND',
  ALREADY_EXISTS: 'FDFS_ERR_ALREADY_EXISTS',
  PERMISSION: 'FDFS_ERR_PERMISSION',
  INVALID_REQUEST: 'FDFS_ERR_INVALID_REQUEST',
  NO_SPACE: 'FDFS_ERR_NO_SPACE',
  BUSY: 'FDFS_ERR_BUSY',
  SERVER_TIMEOUT: 'FDFS_ERR_SERVER_TIMEOUT',
  NOT_SUPPORTED: 'FDFS_ERR_NOT_SUPPORTED',
  SERVER_IO: 'FDFS_ERR_SERVER_IO',
  SERVER: 'FDFS_ERR_SERVER',
} as const;

export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface FdfsErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

export class FdfsError extends Error {
  readonly code: ErrorCodeName;
  readonly retriable: boolean;

  constructor(code: ErrorCodeName, message: string, options: FdfsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Could not open a TCP connection (refused, unreachable, DNS). */
export class ConnectError extends FdfsError {
  constructor(readonly address: string, cause?: unknown) {
    super(ErrorCode.CONNECT, `cannot connect to ${address}: ${describe(cause)}`, { retriable: true, cause });
  }
}

export class TimeoutError extends FdfsError {
  constructor(
    code: typeof ErrorCode.CONNECT_TIMEOUT | typeof ErrorCode.NETWORK_TIMEOUT | typeof ErrorCode.POOL_TIMEOUT,
    message: string,
  ) {
    super(code, message, { retriable: true });
  }
}

/**
 * The peer closed or reset the connection while a request was in flight.
 * `beforeReply` is true when not one byte of the reply had arrived: the request may
 * then be retried on a fresh connection when it is idempotent.
 */
export class ConnectionClosedError extends FdfsError {
  constructor(readonly address: string, readonly beforeReply: boolean, cause?: unknown) {
    super(
      ErrorCode.CONNECTION_CLOSED,
      `connection to ${address} closed ${beforeReply ? 'before the reply' : 'in the middle of the reply'}` +
        (cause === undefined ? '' : `: ${describe(cause)}`),
      { retriable: true, cause },
    );
  }
}

/** The peer sent bytes that do not follow the protocol (bad header, wrong body length). */
export class ProtocolError extends FdfsError {
  constructor(message: string) {
    super(ErrorCode.PROTOCOL, message);
  }
}

/** A file id that is not `group/Mxx/XX/YY/name`: rejected before any I/O. */
export class InvalidFileIdError extends FdfsError {
  constructor(fileId: string, reason: string) {
    super(ErrorCode.INVALID_FILE_ID, `invalid file id ${JSON.stringify(fileId.slice(0, 200))}: ${reason}`);
  }
}

export class InvalidArgumentError extends FdfsError {
  constructor(message: string) {
    super(ErrorCode.INVALID_ARGUMENT, message);
  }
}

export class ConfigError extends FdfsError {
  constructor(message: string) {
    super(ErrorCode.INVALID_CONFIG, message);
  }
}

export interface TrackerAttempt {
  address: string;
  error: Error;
}

/** No tracker answered; names every one that was tried and why it failed. */
export class NoTrackerError extends FdfsError {
  constructor(readonly attempts: TrackerAttempt[]) {
    super(
      ErrorCode.NO_TRACKER,
      `no tracker answered (tried ${attempts.length}): ` +
        attempts.map((a) => `${a.address} (${a.error.message})`).join('; '),
      { retriable: true, cause: attempts[attempts.length - 1]?.error },
    );
  }
}

/**
 * A FastDFS server answered with a non-zero status byte: a Linux errno.
 * `status` keeps the raw number; `code` names it through STATUS_CODES.
 */
export class StatusError extends FdfsError {
  constructor(readonly status: number, readonly operation: string, readonly address: string) {
    const known = STATUS_CODES[status];
    super(
      known?.code ?? ErrorCode.SERVER,
      `${operation} failed on ${address}: ${known?.text ?? 'server error'} (status ${status})`,
      { retriable: known?.retriable ?? false },
    );
  }
}

/** errno → named code. Values are Linux errno numbers, which is what the C servers send. */
export const STATUS_CODES: Readonly<Record<number, { code: ErrorCodeName; text: string; retriable: boolean }>> = {
  1: { code: ErrorCode.PERMISSION, text: 'operation not permitted (EPERM)', retriable: false },
  2: { code: ErrorCode.NOT_FOUND, text: 'not found (ENOENT)', retriable: false },
  5: { code: ErrorCode.SERVER_IO, text: 'I/O error on the server (EIO)', retriable: true },
  11: { code: ErrorCode.BUSY, text: 'server busy, try again (EAGAIN)', retriable: true },
  12: { code: ErrorCode.SERVER, text: 'server out of memory (ENOMEM)', retriable: true },
  13: { code: ErrorCode.PERMISSION, text: 'permission denied (EACCES)', retriable: false },
  16: { code: ErrorCode.BUSY, text: 'resource busy (EBUSY)', retriable: true },
  17: { code: ErrorCode.ALREADY_EXISTS, text: 'already exists (EEXIST)', retriable: false },
  22: { code: ErrorCode.INVALID_REQUEST, text: 'invalid argument (EINVAL)', retriable: false },
  28: { code: ErrorCode.NO_SPACE, text: 'no space left on the storage (ENOSPC)', retriable: false },
  38: { code: ErrorCode.NOT_SUPPORTED, text: 'not supported by this server (ENOSYS)', retriable: false },
  95: { code: ErrorCode.NOT_SUPPORTED, text: 'operation not supported (EOPNOTSUPP)', retriable: false },
  110: { code: ErrorCode.SERVER_TIMEOUT, text: 'server timed out (ETIMEDOUT)', retriable: true },
  111: { code: ErrorCode.SERVER, text: 'server could not reach a peer (ECONNREFUSED)', retriable: true },
};

/** True for failures of the transport (as opposed to an answer from the server). */
export function isTransportError(err: unknown): boolean {
  return (
    err instanceof ConnectError ||
    err instanceof ConnectionClosedError ||
    (err instanceof TimeoutError && err.code !== ErrorCode.POOL_TIMEOUT)
  );
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return cause === undefined ? 'unknown error' : String(cause);
}
