import type { CacheStats } from '@pic-storage/picture-cache';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastdfsState } from './fastdfs-watch.js';

/** What a request was, for the latency histogram. */
export type RouteLabel = 'hit' | 'miss' | 'download_error' | 'upload' | 'purge' | 'status' | 'other';

/** FrontMetrics.observe as the request paths are given it: one request's route, status and start. */
export type ObserveRequest = (route: RouteLabel, status: number, startedAt: number) => void;

/**
 * /metrics (Prometheus text, prom-client): request latency by route and status class, the cache's
 * counters and bytes held (read from the cache when scraped: the hot path only observes its
 * latency), FastDFS state, and the process's own metrics (memory, event-loop lag).
 */
export class FrontMetrics {
  readonly registry = new Registry();
  private readonly requestSeconds: Histogram<'route' | 'status'>;
  /** The histogram's series of each route, by status class (index 2 = 2xx). */
  private readonly series = new Map<RouteLabel, Histogram.Internal<'route' | 'status'>[]>();
  private requests = 0;

  constructor(cache: () => CacheStats, fastdfs: () => FastdfsState) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'pic_front_' });
    this.requestSeconds = new Histogram({
      name: 'pic_front_request_duration_seconds',
      help: 'Time from the request to the end of the response, by route and status class',
      labelNames: ['route', 'status'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    const counter = (name: string, help: string, read: (c: CacheStats) => number, labels?: 'tier') =>
      new Counter({
        name,
        help,
        labelNames: labels === undefined ? [] : [labels],
        registers,
        collect() {
          this.reset();
          this.inc(read(cache()));
        },
      });
    new Counter({
      name: 'pic_front_cache_hits_total',
      help: 'Downloads answered from the cache, by tier',
      labelNames: ['tier'],
      registers,
      collect() {
        const c = cache();
        this.reset();
        this.inc({ tier: 'memory' }, c.hits.memory);
        this.inc({ tier: 'redis' }, c.hits.redis);
      },
    });
    counter('pic_front_cache_misses_total', 'Downloads not in the cache', (c) => c.misses);
    counter('pic_front_cache_origin_fetches_total', 'FastDFS downloads made for misses', (c) => c.originFetches);
    counter('pic_front_cache_coalesced_total', 'Misses that waited for a fetch already running', (c) => c.coalesced);
    counter('pic_front_cache_purged_total', 'Files purged from this instance', (c) => c.purged);
    counter('pic_front_cache_evictions_total', 'Files evicted to stay within the byte budget', (c) => c.evictions);
    counter('pic_front_cache_origin_errors_total', 'FastDFS downloads for misses that failed', (c) => c.originErrors);
    counter('pic_front_redis_errors_total', 'Redis commands that failed or timed out', (c) => c.redisErrors);
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('pic_front_cache_bytes', 'Bytes the memory cache holds', () => cache().bytes);
    gauge('pic_front_cache_max_bytes', "The memory cache's byte budget", () => cache().maxBytes);
    gauge('pic_front_cache_entries', 'Files the memory cache holds', () => cache().entries);
    gauge(
      'pic_front_redis_up',
      '1 when the Redis second level is reachable; 0 when it is down or not configured',
      () => (cache().redis === 'up' ? 1 : 0),
    );
    new Gauge({
      name: 'pic_front_fastdfs_up',
      help: '1 when every FastDFS cluster is listed with an ACTIVE storage in each group, by hostid',
      labelNames: ['hostid'],
      registers,
      collect() {
        this.reset();
        for (const c of fastdfs().clusters) this.set({ hostid: String(c.hostid) }, c.state === 'up' ? 1 : 0);
      },
    });
  }

  /**
   * One request's latency: `startedAt` is performance.now() when it arrived. Every cache hit comes
   * here, so each (route, status class) series is looked up once and kept: no labels object to
   * build and hash per request.
   */
  observe(route: RouteLabel, status: number, startedAt: number): void {
    this.requests++;
    const statusClass = Math.trunc(status / 100);
    let series = this.series.get(route);
    if (series === undefined) this.series.set(route, (series = []));
    const child = (series[statusClass] ??= this.requestSeconds.labels(route, STATUS_CLASS[statusClass] ?? 'other'));
    child.observe((performance.now() - startedAt) / 1000);
  }

  /** Requests observed since the start, every route (the operator page's request rate). */
  get requestCount(): number {
    return this.requests;
  }
}

const STATUS_CLASS: Record<number, string> = { 1: '1xx', 2: '2xx', 3: '3xx', 4: '4xx', 5: '5xx' };
