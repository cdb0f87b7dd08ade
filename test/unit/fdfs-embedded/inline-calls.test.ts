import { closeSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOLED_CALLS } from '../../../libs/fdfs-embedded/src/storage/fd-io.js';
import {
  InlineCalls,
  POOLED_FOR_MS,
  SLOW_BUDGET_MS,
  SLOW_INLINE_MS,
} from '../../../libs/fdfs-embedded/src/storage/inline-calls.js';

/** A clock the test moves: `now` ms, plus `step` ms added at every reading (a call that takes time). */
function fakeClock(): { clock: () => number; set: (ms: number) => void; step: (ms: number) => void } {
  let now = 1000;
  let step = 0;
  return {
    clock: () => (now += step),
    set: (ms) => (now = ms),
    step: (ms) => (step = ms),
  };
}

describe('InlineCalls', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inline-calls-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens, writes, reads and stats inline (sync calls) while they are fast', async () => {
    const t = fakeClock();
    const calls = new InlineCalls(t.clock);
    expect(calls.pick()).toBe(calls);
    const path = join(dir, 'fast');
    const fd = calls.open(path, 'wx+');
    expect(calls.write(fd, Buffer.from('hello world'), 0, 11, 0)).toBe(11);
    const buf = Buffer.alloc(5);
    expect(calls.read(fd, buf, 0, 5, 6)).toBe(5);
    closeSync(fd);
    expect(buf.toString()).toBe('world');
    expect(await readFile(path, 'utf8')).toBe('hello world');
    expect(calls.stat(path).size).toBe(11);
    expect(() => calls.stat(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(calls.pooled).toBe(false);
  });

  it('times the real calls: calls slower than SLOW_INLINE_MS spend the budget and send calls to the pool', () => {
    const t = fakeClock();
    const calls = new InlineCalls(t.clock);
    const path = join(dir, 'timed');
    const fd = calls.open(path, constants.O_RDWR | constants.O_CREAT);
    t.step(4); // every reading of the clock is 4 ms later: each call below takes 4 ms
    calls.write(fd, Buffer.from('x'), 0, 1, 0);
    calls.write(fd, Buffer.from('y'), 0, 1, 1);
    expect(calls.pooled).toBe(false); // 8 ms charged, under the budget
    calls.read(fd, Buffer.alloc(1), 0, 1, 0);
    closeSync(fd);
    t.step(0);
    expect(calls.pooled).toBe(true);
    expect(calls.pick()).toBe(POOLED_CALLS);
  });

  it('sends calls to the thread pool for POOLED_FOR_MS after one long stall, then tries inline again', () => {
    const t = fakeClock();
    const calls = new InlineCalls(t.clock);
    calls.record(SLOW_BUDGET_MS + 5);
    expect(calls.pick()).toBe(POOLED_CALLS);
    t.set(1000 + POOLED_FOR_MS - 1);
    expect(calls.pooled).toBe(true);
    t.set(1000 + POOLED_FOR_MS);
    expect(calls.pick()).toBe(calls);
  });

  it('ignores fast calls and lets sparse slow ones (a preempted process) refill the budget', () => {
    const t = fakeClock();
    const calls = new InlineCalls(t.clock);
    for (let i = 0; i < 10_000; i++) calls.record(SLOW_INLINE_MS);
    expect(calls.pooled).toBe(false);
    // 6 ms slow, once a second: the budget refills SLOW_BUDGET_MS per second, so it never runs out.
    for (let i = 0; i < 20; i++) {
      calls.record(6);
      t.set(1000 + (i + 1) * 1000);
    }
    expect(calls.pooled).toBe(false);
    // Three of them within a few ms do spend it.
    calls.record(4);
    calls.record(4);
    expect(calls.pooled).toBe(false);
    calls.record(4);
    expect(calls.pooled).toBe(true);
  });
});
