import { STATUS_CODES } from './errno.js';
import { ErrorCode, type ErrorCodeName } from './error-code.js';

export { ErrorCode, type ErrorCodeName };

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

/** Bytes that do not follow the protocol (bad header, wrong body length, a field out of range). */
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

/**
 * A request answered with a non-zero status byte: a Linux errno (see errno.ts). Clients build
 * it from a reply (`operation` failed on `address`); servers throw it to answer with `status`
 * (`operation` then says what was refused, and `address` is empty).
 */
export class StatusError extends FdfsError {
  constructor(
    readonly status: number,
    readonly operation: string,
    readonly address = '',
  ) {
    const known = STATUS_CODES[status];
    const text = `${known?.text ?? 'server error'} (status ${status})`;
    super(
      known?.code ?? ErrorCode.SERVER,
      address === '' ? `${operation}: ${text}` : `${operation} failed on ${address}: ${text}`,
      {
        retriable: known?.retriable ?? false,
      },
    );
  }
}
