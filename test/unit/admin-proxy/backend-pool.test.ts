/**
 * BackendPool.pick: live backends before probed ones, fewest in flight first, ties in turn; a down
 * backend only once its retry time has come; never one already tried for this request.
 */
import { describe, expect, it } from 'vitest';
import type { BackendHealth } from '../../../apps/admin-proxy/src/backend.js';
import { BackendPool, type PoolMember } from '../../../apps/admin-proxy/src/backend-pool.js';

class FakeMember implements PoolMember {
  inFlight = 0;
  state: BackendHealth = 'up';
  retryAt = 0;
  constructor(readonly name: string) {}
  health(now: number): BackendHealth | 'due' {
    return this.state === 'down' && now >= this.retryAt ? 'due' : this.state;
  }
}

function members(...names: string[]): FakeMember[] {
  return names.map((name) => new FakeMember(name));
}

const picks = (pool: BackendPool<FakeMember>, n: number, now = 0): string[] =>
  Array.from({ length: n }, () => pool.pick(new Set(), now)?.name ?? '-');

describe('BackendPool.pick', () => {
  it('takes turns among equally loaded live backends', () => {
    const pool = new BackendPool(members('a', 'b', 'c'));
    expect(picks(pool, 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('prefers the fewest requests in flight, then takes turns among those', () => {
    const [a, b, c] = members('a', 'b', 'c') as [FakeMember, FakeMember, FakeMember];
    const pool = new BackendPool([a, b, c]);
    a.inFlight = 5;
    b.inFlight = 1;
    c.inFlight = 1;
    expect(picks(pool, 4)).toEqual(['b', 'c', 'b', 'c']);
    c.inFlight = 0;
    expect(picks(pool, 2)).toEqual(['c', 'c']);
  });

  it('skips a down backend until its retry time, then offers it (the probe) like a live one', () => {
    const [a, b] = members('a', 'b') as [FakeMember, FakeMember];
    const pool = new BackendPool([a, b]);
    a.state = 'down';
    a.retryAt = 100;
    expect(picks(pool, 3, 50)).toEqual(['b', 'b', 'b']);
    b.inFlight = 1;
    expect(pool.pick(new Set(), 100)?.name).toBe('a');
  });

  it('a backend being probed is used only when no live backend is left', () => {
    const [a, b] = members('a', 'b') as [FakeMember, FakeMember];
    const pool = new BackendPool([a, b]);
    a.state = 'probing';
    b.inFlight = 50;
    expect(picks(pool, 2)).toEqual(['b', 'b']);
    b.state = 'down';
    b.retryAt = 1_000;
    expect(picks(pool, 2)).toEqual(['a', 'a']);
  });

  it('never returns a backend already tried; undefined when none is left', () => {
    const [a, b] = members('a', 'b') as [FakeMember, FakeMember];
    const pool = new BackendPool([a, b]);
    expect(pool.pick(new Set([a]), 0)?.name).toBe('b');
    expect(pool.pick(new Set([a, b]), 0)).toBeUndefined();
    a.state = 'down';
    a.retryAt = 10;
    b.state = 'down';
    b.retryAt = 10;
    expect(pool.pick(new Set(), 5)).toBeUndefined();
  });

  it('needs at least one backend', () => {
    expect(() => new BackendPool([])).toThrow('a backend pool needs at least one backend');
  });
});
