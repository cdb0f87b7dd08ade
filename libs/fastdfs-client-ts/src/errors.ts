/**
 * The client's errors: the catalogue, the base class and the codec errors come from
 * fastdfs-protocol (one table for both sides of the wire); the transport errors — connect,
 * timeout, closed connection, no tracker — are the client's own, and so is FileTooLargeError,
 * the EFBIG StatusError that also says how many bytes were refused.
 */
import { Errno, ErrorCode, FdfsError, StatusError } from 'fastdfs-protocol';

export {
  ConfigError,
  ErrorCode,
  FdfsError,
  InvalidArgumentError,
  InvalidFileIdError,
  ProtocolError,
  STATUS_CODES,
  StatusError,
} from 'fastdfs-protocol';
export type { ErrorCodeName, FdfsErrorOptions } from 'fastdfs-protocol';

/** Could not open a TCP connection (refused, unreachable, DNS). */
export class ConnectError extends FdfsError {
  constructor(
    readonly address: string,
    cause?: unknown,
  ) {
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
  constructor(
    readonly address: string,
    readonly beforeReply: boolean,
    cause?: unknown,
  ) {
    super(
      ErrorCode.CONNECTION_CLOSED,
      `connection to ${address} closed ${beforeReply ? 'before the reply' : 'in the middle of the reply'}` +
        (cause === undefined ? '' : `: ${describe(cause)}`),
      { retriable: true, cause },
    );
  }
}

/**
 * The storage answered EFBIG (status 27) to content over its max_upload_file_size (the embedded
 * server's limit; FastDFS has none). A StatusError like any other, whose message also says how
 * many bytes were sent, since the status alone does not.
 */
export class FileTooLargeError extends StatusError {
  constructor(
    refused: StatusError,
    /** Bytes the request sent (or, for truncate, asked the file to have). */
    readonly size: number,
  ) {
    super(Errno.EFBIG, refused.operation, refused.address);
    const where = refused.address === '' ? refused.operation : `${refused.operation} failed on ${refused.address}`;
    const limit = "the storage's max_upload_file_size";
    this.message = `${where}: file too large (${size} bytes > ${limit}) (status ${Errno.EFBIG})`;
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
