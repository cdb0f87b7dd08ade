/**
 * MemoryCounter: counts per key, expiring with the key's window, bounded by maxKeys. A full
 * table refuses new keys and never evicts a live count (that would reset a key).
 */
import { describe, expect, it } from 'vitest';
import { SILENT_LOGGER } from '@pic-storage/frame-service';
import { MemoryCounter } from '@pic-storage/session-count';
import { CounterUnavailableError } from '@pic-storage/session-count';

function counter(maxKeys: number) {
  const clock = { ms: 1_000_000 };
  const warnings: string[] = [];
  const logger = { ...SILENT_LOGGER, warn: (_: object, message?: string) => warnings.push(message ?? '') };
  return { clock, warnings, counter: new MemoryCounter({ maxKeys, logger, clock: () => clock.ms }) };
}

describe('MemoryCounter', () => {
  it('counts each key on its own', async () => {
    const { counter: c } = counter(10);
    expect(await c.increment('a', 60)).toBe(1);
    expect(await c.increment('a', 60)).toBe(2);
    expect(await c.increment('b', 60)).toBe(1);
    expect(await c.increment('a', 60)).toBe(3);
  });

  it('a count lives its ttl from the first check, then starts again', async () => {
    const { counter: c, clock } = counter(10);
    await c.increment('a', 60);
    clock.ms += 59_999;
    expect(await c.increment('a', 60)).toBe(2); // later checks do not extend it
    clock.ms += 1;
    expect(await c.increment('a', 60)).toBe(1);
  });

  it('full of live keys: a new key is refused, the held keys go on counting, nothing is evicted', async () => {
    const { counter: c, clock, warnings } = counter(3);
    for (const key of ['a', 'b', 'c']) await c.increment(key, 60);
    await expect(c.increment('d', 60)).rejects.toBeInstanceOf(CounterUnavailableError);
    await expect(c.increment('e', 60)).rejects.toMatchObject({ reason: 'full' });
    expect(c.size).toBe(3);
    expect(await c.increment('a', 60)).toBe(2);
    expect(warnings).toHaveLength(1); // one warning when it fills, not one per refusal
    clock.ms += 1_500; // a second later (a sweep may run again): still nothing has expired
    await expect(c.increment('d', 60)).rejects.toBeInstanceOf(CounterUnavailableError);
    expect(await c.increment('b', 60)).toBe(2);
  });

  it('once counts expire, a full table makes room for new keys', async () => {
    const { counter: c, clock } = counter(2);
    await c.increment('short', 10);
    await c.increment('long', 100);
    await expect(c.increment('new', 60)).rejects.toBeInstanceOf(CounterUnavailableError);
    clock.ms += 11_000;
    expect(await c.increment('new', 60)).toBe(1);
    expect(c.size).toBe(2);
    expect(await c.increment('long', 100)).toBe(2); // the live count survived the sweep
  });

  it('maxKeys must be a positive integer', () => {
    expect(() => new MemoryCounter({ maxKeys: 0, logger: SILENT_LOGGER })).toThrow(RangeError);
  });
});
