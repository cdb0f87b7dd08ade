import type { CacheStats } from '@pic-storage/picture-cache';

/** Milliseconds between two samples of the operator page's chart. */
export const OPERATOR_SAMPLE_INTERVAL_MS = 5_000;

/** Samples kept: 180 × 5 s = the last 15 minutes. */
export const OPERATOR_HISTORY_POINTS = 180;

/** What the front has counted since it started (counters only grow), and what its cache holds now. */
export interface TrafficCounters {
  /** Requests answered, every route (downloads, upload, purge, status, 404s). */
  requests: number;
  /** Downloads answered from memory or Redis. */
  hits: number;
  /** Downloads neither cache level held. */
  misses: number;
  bytes: number;
  entries: number;
}

/** One interval of the chart, as /operator/history.json sends it (columns, for uPlot). */
export interface TrafficSeries {
  interval_ms: number;
  capacity: number;
  /** End of each interval, Unix seconds (uPlot's time axis). */
  t: number[];
  /** Requests per second over the interval. */
  request_rate: number[];
  /** hits / (hits + misses) over the interval; null when it had no download. */
  hit_ratio: (number | null)[];
  /** Bytes and entries the memory cache held at the end of the interval. */
  bytes: number[];
  entries: number[];
}

/** A front's counters: its cache's stats (hits of either level) and the requests its metrics observed. */
export function trafficCounters(stats: () => CacheStats, requests: () => number): () => TrafficCounters {
  return () => {
    const c = stats();
    return {
      requests: requests(),
      hits: c.hits.memory + c.hits.redis,
      misses: c.misses,
      bytes: c.bytes,
      entries: c.entries,
    };
  };
}

export interface TrafficHistoryOptions {
  intervalMs?: number;
  capacity?: number;
  /** Wall clock in ms; default Date.now (tests step it). */
  now?: () => number;
}

interface Baseline {
  at: number;
  requests: number;
  hits: number;
  misses: number;
}

/**
 * The operator page's chart: every `intervalMs` the counters are read (off the request path: the
 * hot path only counts) and the interval's request rate and hit ratio are kept in a ring of
 * `capacity` points; the oldest is overwritten. Five columns of fixed length: the memory is
 * bounded whatever the traffic.
 */
export class TrafficHistory {
  readonly intervalMs: number;
  readonly capacity: number;
  private readonly now: () => number;
  private readonly t: Float64Array;
  private readonly rate: Float64Array;
  /** NaN where the interval had no download. */
  private readonly ratio: Float64Array;
  private readonly bytes: Float64Array;
  private readonly entries: Float64Array;
  /** Where the next point goes, and how many are held. */
  private next = 0;
  private held = 0;
  private last: Baseline | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => TrafficCounters,
    options: TrafficHistoryOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? OPERATOR_SAMPLE_INTERVAL_MS;
    this.capacity = options.capacity ?? OPERATOR_HISTORY_POINTS;
    if (!Number.isSafeInteger(this.intervalMs) || this.intervalMs < 1) {
      throw new RangeError(`intervalMs must be a positive integer, got ${this.intervalMs}`);
    }
    if (!Number.isSafeInteger(this.capacity) || this.capacity < 2) {
      throw new RangeError(`capacity must be an integer of at least 2, got ${this.capacity}`);
    }
    this.now = options.now ?? Date.now;
    this.t = new Float64Array(this.capacity);
    this.rate = new Float64Array(this.capacity);
    this.ratio = new Float64Array(this.capacity);
    this.bytes = new Float64Array(this.capacity);
    this.entries = new Float64Array(this.capacity);
  }

  /** Takes the baseline now, then a point every interval (the timer does not keep the process alive). */
  start(): void {
    if (this.timer !== undefined) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Reads the counters and adds the point for the interval since the previous read (the first read
   * is only a baseline). A clock that went backwards or counters that went down (neither should
   * happen) start a new baseline instead of a point of nonsense.
   */
  sample(): void {
    const c = this.read();
    const at = this.now();
    const last = this.last;
    this.last = { at, requests: c.requests, hits: c.hits, misses: c.misses };
    if (last === undefined) return;
    const seconds = (at - last.at) / 1000;
    const requests = c.requests - last.requests;
    const hits = c.hits - last.hits;
    const misses = c.misses - last.misses;
    if (seconds <= 0 || requests < 0 || hits < 0 || misses < 0) return;
    const i = this.next;
    this.t[i] = at / 1000;
    this.rate[i] = requests / seconds;
    this.ratio[i] = hits + misses === 0 ? NaN : hits / (hits + misses);
    this.bytes[i] = c.bytes;
    this.entries[i] = c.entries;
    this.next = (i + 1) % this.capacity;
    this.held = Math.min(this.held + 1, this.capacity);
  }

  /** The points held, oldest first. */
  series(): TrafficSeries {
    const out: TrafficSeries = {
      interval_ms: this.intervalMs,
      capacity: this.capacity,
      t: [],
      request_rate: [],
      hit_ratio: [],
      bytes: [],
      entries: [],
    };
    const first = (this.next - this.held + this.capacity) % this.capacity;
    for (let k = 0; k < this.held; k++) {
      const i = (first + k) % this.capacity;
      out.t.push(Math.round(this.t[i]! * 1000) / 1000);
      out.request_rate.push(Math.round(this.rate[i]! * 1000) / 1000);
      const ratio = this.ratio[i]!;
      out.hit_ratio.push(Number.isNaN(ratio) ? null : Math.round(ratio * 10_000) / 10_000);
      out.bytes.push(this.bytes[i]!);
      out.entries.push(this.entries[i]!);
    }
    return out;
  }
}
