import { Router } from 'express';
import type { CacheStats } from '@pic-storage/picture-cache';
import type { FrontMetrics } from './front-metrics.js';
import type { FastdfsState } from './fastdfs-watch.js';

export interface StatusDeps {
  version: string;
  startedAt: number;
  cache: () => CacheStats;
  fastdfs: () => FastdfsState;
  metrics: FrontMetrics;
}

/**
 * GET /status: the cache and FastDFS as JSON (docs/services/front.md; read by `monit cache`, the
 * replacement of monit_varnish and monit_fdfs). GET /metrics: the same and more as Prometheus text.
 */
export function statusRouter(deps: StatusDeps): Router {
  const router = Router();
  router.get('/status', (_req, res) => {
    res.json(statusBody(deps));
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}

export function statusBody(deps: StatusDeps): object {
  const c = deps.cache();
  const hits = c.hits.memory + c.hits.redis;
  const fdfs = deps.fastdfs();
  return {
    service: 'front',
    version: deps.version,
    uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
    cache: {
      hits,
      hits_memory: c.hits.memory,
      hits_redis: c.hits.redis,
      misses: c.misses,
      hit_ratio: hits + c.misses === 0 ? null : Number((hits / (hits + c.misses)).toFixed(4)),
      coalesced: c.coalesced,
      origin_fetches: c.originFetches,
      entries: c.entries,
      bytes: c.bytes,
      max_bytes: c.maxBytes,
      evictions: c.evictions,
      purged: c.purged,
      redis: c.redis,
    },
    fastdfs: {
      state: fdfs.state,
      checked_at: fdfs.checkedAt ?? null,
      clusters: fdfs.clusters,
    },
  };
}
