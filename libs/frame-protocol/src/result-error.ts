import { ResultCode, describeResult, type ResultCodeValue } from './result-codes.js';

/**
 * A request that ends in a non-zero result code. Body decoders throw it (BAD_BODY,
 * BAD_ARGUMENT), handlers throw it, and the service runtime answers it as a header-only
 * response with `ret` = `code`. `message` is for the server's log, never sent.
 */
export class ResultError extends Error {
  constructor(
    readonly code: ResultCodeValue,
    message: string = describeResult(code),
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ResultError';
  }
}

/** A body that does not match its command's layout. */
export function badBody(message: string): ResultError {
  return new ResultError(ResultCode.BAD_BODY, message);
}

/** A well-formed field out of its range. */
export function badArgument(message: string): ResultError {
  return new ResultError(ResultCode.BAD_ARGUMENT, message);
}
