import { describe, expect, it } from 'vitest';
import {
  OPERATOR_HISTORY_POINTS,
  OPERATOR_SAMPLE_INTERVAL_MS,
  TrafficHistory,
  trafficCounters,
  type TrafficCounters,
} from '../../../apps/front/src/operator/traffic-history.js';
import type { CacheStats } from '@pic-storage/picture-cache';

/** Counters a test moves by hand, and a clock it steps. */
function rig(capacity = 4) {
  const counters: TrafficCounters = { requests: 0, hits: 0, misses: 0, bytes: 0, entries: 0 };
  let now = 1_000_000;
  const history = new TrafficHistory(() => ({ ...counters }), { intervalMs: 5_000, capacity, now: () => now });
  return {
    counters,
    history,
    /** Moves the clock `ms` on, adds to the counters, and samples. */
    step(ms: number, add: Partial<TrafficCounters> = {}) {
      now += ms;
      for (const [key, value] of Object.entries(add) as [keyof TrafficCounters, number][]) counters[key] += value;
      history.sample();
    },
  };
}

describe('TrafficHistory', () => {
  it('defaults to a point every 5 s, 180 points: the last 15 minutes', () => {
    const history = new TrafficHistory(() => ({ requests: 0, hits: 0, misses: 0, bytes: 0, entries: 0 }));
    expect([history.intervalMs, history.capacity]).toEqual([OPERATOR_SAMPLE_INTERVAL_MS, OPERATOR_HISTORY_POINTS]);
    expect(OPERATOR_SAMPLE_INTERVAL_MS * OPERATOR_HISTORY_POINTS).toBe(15 * 60 * 1000);
  });

  it('the first sample is a baseline; each next one is the interval since the previous', () => {
    const { history, step } = rig();
    step(0, { requests: 500, hits: 400, misses: 100 }); // counted before the page existed: no point
    expect(history.series().t).toEqual([]);
    step(5_000, { requests: 50, hits: 30, misses: 10, bytes: 4096, entries: 3 });
    step(2_000, { requests: 3, hits: 0, misses: 2, bytes: 1024, entries: 1 });
    expect(history.series()).toEqual({
      interval_ms: 5_000,
      capacity: 4,
      t: [1005, 1007],
      request_rate: [10, 1.5],
      hit_ratio: [0.75, 0],
      bytes: [4096, 5120],
      entries: [3, 4],
    });
  });

  it('an interval without downloads has no hit ratio (null), not 0 or 1', () => {
    const { history, step } = rig();
    step(0);
    step(1_000, { requests: 7 });
    expect(history.series().hit_ratio).toEqual([null]);
    expect(history.series().request_rate).toEqual([7]);
  });

  it('keeps the last `capacity` points, oldest first, overwriting the oldest', () => {
    const { history, step } = rig(3);
    step(0);
    for (let i = 1; i <= 5; i++) step(1_000, { requests: i });
    const series = history.series();
    expect(series.request_rate).toEqual([3, 4, 5]);
    expect(series.t).toEqual([1003, 1004, 1005]);
    for (const column of [series.hit_ratio, series.bytes, series.entries]) expect(column).toHaveLength(3);
  });

  it('a clock that went back or counters that went down start a new baseline, not a point', () => {
    const { history, counters, step } = rig();
    step(0, { requests: 10 });
    step(-1_000, { requests: 5 });
    expect(history.series().t).toEqual([]);
    counters.requests = 2; // a new count (it should never happen): the next interval starts from here
    step(1_000);
    expect(history.series().t).toEqual([]);
    step(1_000, { requests: 4 });
    expect(history.series().request_rate).toEqual([4]);
  });

  it('start() takes the baseline at once and samples on its timer; stop() ends it', async () => {
    let requests = 0;
    const history = new TrafficHistory(
      () => ({ requests: (requests += 10), hits: 1, misses: 1, bytes: 0, entries: 0 }),
      {
        intervalMs: 20,
        capacity: 50,
      },
    );
    history.start();
    history.start(); // a second start does not start a second timer
    expect(requests).toBe(10);
    await new Promise((resolve) => setTimeout(resolve, 150));
    history.stop();
    const held = history.series().t.length;
    expect(held).toBeGreaterThanOrEqual(2);
    expect(held).toBe(requests / 10 - 1); // one read per tick, after the baseline
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(history.series().t.length).toBe(held);
  });

  it('refuses an interval or a capacity that would not make a chart', () => {
    const read = () => ({ requests: 0, hits: 0, misses: 0, bytes: 0, entries: 0 });
    expect(() => new TrafficHistory(read, { intervalMs: 0 })).toThrow(/intervalMs must be a positive integer/);
    expect(() => new TrafficHistory(read, { intervalMs: 1.5 })).toThrow(/intervalMs/);
    expect(() => new TrafficHistory(read, { capacity: 1 })).toThrow(/capacity must be an integer of at least 2/);
  });
});

describe('trafficCounters', () => {
  it('adds memory and Redis hits, and takes the request count from its own source', () => {
    const stats = {
      hits: { memory: 5, redis: 2 },
      misses: 3,
      bytes: 9000,
      entries: 4,
    } as CacheStats;
    expect(
      trafficCounters(
        () => stats,
        () => 42,
      )(),
    ).toEqual({
      requests: 42,
      hits: 7,
      misses: 3,
      bytes: 9000,
      entries: 4,
    });
  });
});
