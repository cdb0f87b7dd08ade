/**
 * CropLimiter (apps/cut-svr/src/crop-limiter.ts): at most concurrency + maxQueued crops admitted
 * (one more is BACKEND_UNAVAILABLE at once), at most `concurrency` image jobs running, the others
 * started in arrival order; an abort while waiting gives the place up.
 */
import { describe, expect, it } from 'vitest';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';
import { CropLimiter } from '../../../apps/cut-svr/src/crop-limiter.js';

/** A job that runs until `finish` is called. */
function gate(): { promise: Promise<void>; finish: () => void } {
  let finish!: () => void;
  const promise = new Promise<void>((resolve) => (finish = resolve));
  return { promise, finish };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('CropLimiter', () => {
  it('admits concurrency + maxQueued crops, refuses the next with BACKEND_UNAVAILABLE, admits again after a release', () => {
    const limiter = new CropLimiter({ concurrency: 2, maxQueued: 1 });
    const tickets = [limiter.admit(), limiter.admit(), limiter.admit()];
    expect(limiter.admitted).toBe(3);
    let refused: unknown;
    try {
      limiter.admit();
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ResultError);
    expect((refused as ResultError).code).toBe(ResultCode.BACKEND_UNAVAILABLE);
    expect((refused as ResultError).message).toMatch(/crop_concurrency \+ max_queued_crops = 3/);
    tickets[0]?.release();
    tickets[0]?.release(); // twice is once
    expect(limiter.admitted).toBe(2);
    expect(() => limiter.admit()).not.toThrow();
  });

  it('runs at most `concurrency` jobs; the waiting ones start in arrival order', async () => {
    const limiter = new CropLimiter({ concurrency: 2, maxQueued: 8 });
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.admit().run(async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(limiter.running).toBe(2);
    expect(limiter.queued).toBe(3);
    gates[1]?.finish();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.finish();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.finish();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.running).toBe(0);
    expect(limiter.queued).toBe(0);
  });

  it('a job that throws frees its slot', async () => {
    const limiter = new CropLimiter({ concurrency: 1, maxQueued: 1 });
    const failing = limiter.admit().run(() => Promise.reject(new Error('bad picture')));
    const next = limiter.admit().run(() => Promise.resolve('ran'));
    await expect(failing).rejects.toThrow('bad picture');
    await expect(next).resolves.toBe('ran');
    expect(limiter.running).toBe(0);
  });

  it('an abort while waiting: at its turn the slot passes on and the job never runs', async () => {
    const limiter = new CropLimiter({ concurrency: 1, maxQueued: 2 });
    const g = gate();
    const first = limiter.admit().run(() => g.promise);
    const abort = new AbortController();
    let ran = false;
    const waiting = limiter.admit().run(async () => {
      ran = true;
    }, abort.signal);
    const third = limiter.admit().run(() => Promise.resolve('third ran'));
    await tick();
    expect(limiter.queued).toBe(2);
    abort.abort();
    g.finish();
    await first;
    await expect(waiting).rejects.toThrow();
    await expect(third).resolves.toBe('third ran');
    expect(ran).toBe(false);
    expect(limiter.running).toBe(0);
    expect(limiter.queued).toBe(0);
  });

  it('an already aborted signal does not take a slot', async () => {
    const limiter = new CropLimiter({ concurrency: 1, maxQueued: 0 });
    const abort = new AbortController();
    abort.abort();
    await expect(limiter.admit().run(() => Promise.resolve(1), abort.signal)).rejects.toThrow();
    expect(limiter.running).toBe(0);
  });

  it('rejects options that are not integers in range', () => {
    expect(() => new CropLimiter({ concurrency: 0, maxQueued: 1 })).toThrow(
      /concurrency must be an integer of at least 1/,
    );
    expect(() => new CropLimiter({ concurrency: 1, maxQueued: -1 })).toThrow(
      /maxQueued must be an integer of at least 0/,
    );
    expect(() => new CropLimiter({ concurrency: 1.5, maxQueued: 1 })).toThrow(/concurrency/);
  });
});
