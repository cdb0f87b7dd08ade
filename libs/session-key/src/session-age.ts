import type { SessionFields } from './session-struct.js';

/*
 * A key carries only the low 16 bits of its issue time, so its age is taken modulo 65536:
 *
 *   raw = (now mod 65536 − i_time) mod 65536          0 .. 65535
 *   raw ≤ window                 valid, age = raw
 *   raw ≥ 65536 − skew           valid, issued in the future by a fast clock: age = raw − 65536 (< 0)
 *   otherwise                    expired
 *
 * The same key therefore comes back into its window every 65536 s (~18.2 h): a property of the
 * legacy format that a use counter expiring with the window does not cover (docs/session-key.md).
 */
const TIME_MODULUS = 0x10000;

export interface SessionAgeOptions {
  /** The oldest a key may be, in seconds. Default 3600 (docs/session-key.md). */
  windowSeconds: number;
  /** How far in the future an issue time may be (the issuer's clock ahead of ours), in seconds. Default 300. */
  skewSeconds: number;
}

export const SESSION_AGE_DEFAULTS: Readonly<SessionAgeOptions> = Object.freeze({
  windowSeconds: 3600,
  skewSeconds: 300,
});

export interface SessionAge {
  /** Seconds since the key was issued; negative for a key issued up to skewSeconds in the future. */
  age: number;
  valid: boolean;
  /** Seconds from now until the key leaves its window; 0 once it has. */
  remainingSeconds: number;
}

/** The Unix time in whole seconds. */
export function unixTime(): number {
  return Math.floor(Date.now() / 1000);
}

/** How old the key issued at `fields.time` is at `now` (Unix seconds), and whether that is within the window. */
export function checkSessionAge(
  fields: Pick<SessionFields, 'time'>,
  now: number,
  options: SessionAgeOptions = SESSION_AGE_DEFAULTS,
): SessionAge {
  const { windowSeconds, skewSeconds } = checkSessionAgeOptions(options);
  const raw = (((Math.floor(now) - fields.time) % TIME_MODULUS) + TIME_MODULUS) % TIME_MODULUS;
  if (raw <= windowSeconds) return { age: raw, valid: true, remainingSeconds: windowSeconds - raw };
  if (raw >= TIME_MODULUS - skewSeconds) {
    const age = raw - TIME_MODULUS;
    return { age, valid: true, remainingSeconds: windowSeconds - age };
  }
  return { age: raw, valid: false, remainingSeconds: 0 };
}

/**
 * Both are whole seconds, and together they must leave some ages out: window + skew ≥ 65536
 * would make every key valid forever. A RangeError names the option.
 */
export function checkSessionAgeOptions(options: SessionAgeOptions): SessionAgeOptions {
  for (const name of ['windowSeconds', 'skewSeconds'] as const) {
    const value = options[name];
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`${name} must be a whole number of seconds, 0 or more, got ${String(value)}`);
    }
  }
  if (options.windowSeconds + options.skewSeconds >= TIME_MODULUS) {
    throw new RangeError(
      `windowSeconds + skewSeconds must be under 65536 (the key holds 16 bits of time), ` +
        `got ${options.windowSeconds} + ${options.skewSeconds}`,
    );
  }
  return options;
}
