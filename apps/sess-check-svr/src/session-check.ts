import { ResultCode, ResultError, decodeSessionCheckRequest, resultName } from '@pic-storage/frame-protocol';
import type { FrameReply, FrameRequest, ServiceLogger } from '@pic-storage/frame-service';
import {
  checkSessionAge,
  decodeSessionKey,
  encodeSessionStruct,
  SessionKeyError,
  unixTime,
  type DesKey,
  type SessionAgeOptions,
  type SessionFields,
} from '@pic-storage/session-key';
import { CounterUnavailableError, type SessionCounter } from './session-counter.js';

export interface SessionCheckOptions {
  desKey: DesKey;
  counter: SessionCounter;
  /** Checks accepted per key; the next is SESSION_EXHAUSTED. */
  maxChecks: number;
  age: SessionAgeOptions;
  logger: ServiceLogger & { debug(object: object, message?: string): void };
  /** Unix seconds; default the clock. */
  now?: () => number;
}

/**
 * cmd 0x10B5: decode the key (SESSION_INVALID), check its age (SESSION_EXPIRED), count the
 * check (SESSION_EXHAUSTED past maxChecks; STORAGE_UNAVAILABLE when it cannot be counted), and
 * answer the 18-byte session struct. A key out of its window is not counted. Refusals are the
 * client's business, logged at debug; a count that cannot be kept is logged by the counter.
 */
export class SessionCheckHandler {
  private readonly now: () => number;

  constructor(private readonly options: SessionCheckOptions) {
    this.now = options.now ?? unixTime;
  }

  async serve(request: FrameRequest): Promise<FrameReply> {
    try {
      return await this.check(request.body);
    } catch (err) {
      if (!(err instanceof ResultError)) throw err;
      this.options.logger.debug(
        { id: request.header.id, remote: request.remoteAddress, ret: resultName(err.code), reason: err.message },
        'session check refused',
      );
      throw err;
    }
  }

  private async check(body: Buffer): Promise<FrameReply> {
    const hex = decodeSessionCheckRequest(body);
    let fields: SessionFields;
    try {
      fields = decodeSessionKey(hex, this.options.desKey);
    } catch (err) {
      if (err instanceof SessionKeyError) throw new ResultError(ResultCode.SESSION_INVALID, err.message);
      throw err;
    }
    const { age, valid, remainingSeconds } = checkSessionAge(fields, this.now(), this.options.age);
    if (!valid) throw new ResultError(ResultCode.SESSION_EXPIRED, `issued ${age} s ago (mod 65536)`);

    // The count outlives the window by the skew, so a second instance whose clock is behind
    // ours cannot see the key as fresh after our count is gone.
    let count: number;
    try {
      count = await this.options.counter.increment(hex.toLowerCase(), remainingSeconds + this.options.age.skewSeconds);
    } catch (err) {
      if (err instanceof CounterUnavailableError) {
        throw new ResultError(ResultCode.STORAGE_UNAVAILABLE, `not counted: ${err.message}`, { cause: err });
      }
      throw err;
    }
    if (count > this.options.maxChecks) {
      throw new ResultError(ResultCode.SESSION_EXHAUSTED, `check ${count} of a key allowed ${this.options.maxChecks}`);
    }
    return { body: encodeSessionStruct(fields) };
  }
}
