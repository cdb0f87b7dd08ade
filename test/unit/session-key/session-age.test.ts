/** The age of a key with a 16-bit issue time (session-age.ts): window, skew and the wrap at 65536. */
import { describe, expect, it } from 'vitest';
import { checkSessionAge, checkSessionAgeOptions, SESSION_AGE_DEFAULTS } from '@pic-storage/session-key';

const DAY = 1_700_000_000 - (1_700_000_000 % 65536); // a Unix time whose low 16 bits are 0
const at = (time: number, now: number) => checkSessionAge({ time }, now);

describe('checkSessionAge (window 3600 s, skew 300 s)', () => {
  it('defaults: one hour, five minutes of skew', () => {
    expect(SESSION_AGE_DEFAULTS).toEqual({ windowSeconds: 3600, skewSeconds: 300 });
  });

  it('issued now: age 0, the whole window left', () => {
    expect(at(1000, DAY + 1000)).toEqual({ age: 0, valid: true, remainingSeconds: 3600 });
  });

  it('exactly the window old is valid; one second more is expired', () => {
    expect(at(1000, DAY + 4600)).toEqual({ age: 3600, valid: true, remainingSeconds: 0 });
    expect(at(1000, DAY + 4601)).toEqual({ age: 3601, valid: false, remainingSeconds: 0 });
  });

  it('issued in the future: valid up to the skew, with a negative age; beyond it expired', () => {
    expect(at(1000, DAY + 999)).toEqual({ age: -1, valid: true, remainingSeconds: 3601 });
    expect(at(1000, DAY + 700)).toEqual({ age: -300, valid: true, remainingSeconds: 3900 });
    expect(at(1000, DAY + 699).valid).toBe(false);
    expect(at(1000, DAY + 699).age).toBe(65536 - 301);
  });

  it('wraps at 65536: a key issued just before the wrap is young just after it', () => {
    expect(at(65_530, DAY + 65536 + 10)).toEqual({ age: 16, valid: true, remainingSeconds: 3584 });
    expect(at(65_000, DAY + 65536 + 3064)).toEqual({ age: 3600, valid: true, remainingSeconds: 0 });
    expect(at(65_000, DAY + 65536 + 3065).valid).toBe(false);
    // ... and a key issued just after the wrap, seen just before it, is in the future.
    expect(at(100, DAY + 65536 - 100)).toEqual({ age: -200, valid: true, remainingSeconds: 3800 });
    expect(at(100, DAY + 65536 - 201).valid).toBe(false);
  });

  it('the format cannot tell a key from one issued 65536 s earlier', () => {
    expect(at(1000, DAY + 1000 + 65536 * 3)).toEqual(at(1000, DAY + 1000));
  });

  it('fractional now is taken in whole seconds', () => {
    expect(at(1000, DAY + 4600.9).valid).toBe(true);
  });

  it('other windows and skews, including none', () => {
    const opts = { windowSeconds: 60, skewSeconds: 0 };
    expect(checkSessionAge({ time: 10 }, DAY + 70, opts).valid).toBe(true);
    expect(checkSessionAge({ time: 10 }, DAY + 71, opts).valid).toBe(false);
    expect(checkSessionAge({ time: 10 }, DAY + 9, opts).valid).toBe(false);
  });

  it('a window + skew that would cover every 16-bit time is a RangeError naming the options', () => {
    expect(() => checkSessionAgeOptions({ windowSeconds: 65_236, skewSeconds: 300 })).toThrow(
      /windowSeconds \+ skewSeconds must be under 65536/,
    );
    expect(() => checkSessionAge({ time: 0 }, 0, { windowSeconds: 65_535, skewSeconds: 1 })).toThrow(RangeError);
    expect(() => checkSessionAgeOptions({ windowSeconds: -1, skewSeconds: 0 })).toThrow(/windowSeconds/);
    expect(() => checkSessionAgeOptions({ windowSeconds: 10, skewSeconds: 0.5 })).toThrow(/skewSeconds/);
    expect(checkSessionAgeOptions({ windowSeconds: 65_235, skewSeconds: 300 })).toBeTruthy();
  });
});
