import {
  checkSessionAge,
  decodeSessionKey,
  SessionKeyError,
  unixTime,
  type DesKey,
  type SessionAgeOptions,
  type SessionFields,
} from '@pic-storage/session-key';
import { CounterUnavailableError, type SessionCounter } from './session-counter.js';

/**
 * Why a key was refused: 'invalid' (not a key of ours), 'expired' (out of its time window),
 * 'exhausted' (used max_checks times), 'unavailable' (the use could not be counted, so it is not
 * accepted: never an unlimited key).
 */
export type SessionRefusal = 'invalid' | 'expired' | 'exhausted' | 'unavailable';

export class SessionRefusedError extends Error {
  override readonly name = 'SessionRefusedError';
  constructor(
    readonly reason: SessionRefusal,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SessionGateOptions {
  desKey: DesKey;
  counter: SessionCounter;
  /** Uses accepted per key; the next is 'exhausted'. */
  maxChecks: number;
  age: SessionAgeOptions;
  /** Unix seconds; default the clock. */
  now?: () => number;
}

/**
 * One use of a session key: decode it, check its age, count the use. A key out of its window is
 * not counted. sess_check_svr (cmd 0x10B5) and the front's upload.cgi pass through the same gate
 * and, with Redis, the same counts.
 */
export class SessionGate {
  private readonly now: () => number;

  constructor(private readonly options: SessionGateOptions) {
    this.now = options.now ?? unixTime;
  }

  /**
   * The key's fields, or SessionRefusedError. `accept` sees the decoded fields of a key inside its
   * window before the use is counted, and throws to refuse it (upload.cgi's i_ip check): a key
   * refused for what it says costs none of its uses.
   */
  async use(hex: string, accept?: (fields: SessionFields) => void): Promise<SessionFields> {
    let fields: SessionFields;
    try {
      fields = decodeSessionKey(hex, this.options.desKey);
    } catch (err) {
      if (err instanceof SessionKeyError) throw new SessionRefusedError('invalid', err.message, { cause: err });
      throw err;
    }
    const { age, valid, remainingSeconds } = checkSessionAge(fields, this.now(), this.options.age);
    if (!valid) throw new SessionRefusedError('expired', `issued ${age} s ago (mod 65536)`);
    accept?.(fields);

    // The count outlives the window by the skew, so a second instance whose clock is behind
    // ours cannot see the key as fresh after our count is gone.
    let count: number;
    try {
      count = await this.options.counter.increment(hex.toLowerCase(), remainingSeconds + this.options.age.skewSeconds);
    } catch (err) {
      if (err instanceof CounterUnavailableError) {
        throw new SessionRefusedError('unavailable', `not counted: ${err.message}`, { cause: err });
      }
      throw err;
    }
    if (count > this.options.maxChecks) {
      throw new SessionRefusedError('exhausted', `use ${count} of a key allowed ${this.options.maxChecks}`);
    }
    return fields;
  }
}
