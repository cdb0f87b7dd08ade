import type { ClusterStatus, FrontStatus } from './cache-status.js';
import { counted, formatBytes, formatPercent, formatPercents } from './cache-format.js';

export interface CacheThresholds {
  /** Fail below this hit ratio (0-1); undefined: the ratio is shown, never judged. */
  minHitRatio?: number;
  /** The ratio is judged only once hits + misses reach this many (a fresh front has a cold cache). */
  minRequests: number;
}

/** What failed, for --json: the status page itself, or one of the things the line judges. */
export type CacheAspect = 'status' | 'hit_ratio' | 'redis' | 'fastdfs';

export interface CacheCheckResult {
  ok: boolean;
  /** `OK cache: hit ratio 93.1% (931 hits, 69 misses), 12.3 MB of 256.0 MB held in 412 files, redis off, fastdfs up` */
  line: string;
  failed: CacheAspect[];
  /** hits / (hits + misses); null before the first request. */
  hitRatio: number | null;
  /** Whether the ratio was held to minHitRatio (there was one, and enough requests). */
  ratioJudged: boolean;
}

/** A FastDFS storage that serves downloads, as /status names it (fdfs_monitor's name). */
const ACTIVE = 'ACTIVE';
/** The line names at most this many FastDFS problems (and storages of a group), then says how many more. */
const MAX_SHOWN = 3;
/** A cluster's listing error is the front's text: cut it so that the line stays one readable line. */
const MAX_ERROR_CHARS = 200;

interface Part {
  aspect: CacheAspect | undefined;
  ok: boolean;
  text: string;
}

/**
 * Is the front's cache serving, and how well? monit_varnish's question (varnish up, hit ratio),
 * and what the front adds: a FastDFS that cannot be listed means every miss fails; Redis down
 * means no shared cache and purges that no longer reach the other front instances.
 */
export function judgeCache(status: FrontStatus, thresholds: CacheThresholds): CacheCheckResult {
  const { cache } = status;
  const requests = cache.hits + cache.misses;
  const hitRatio = requests === 0 ? null : cache.hits / requests;
  const ratioJudged = thresholds.minHitRatio !== undefined && hitRatio !== null && requests >= thresholds.minRequests;
  const parts: Part[] = [
    ratioPart(cache.hits, cache.misses, hitRatio, ratioJudged, thresholds),
    { aspect: undefined, ok: true, text: heldText(cache.bytes, cache.max_bytes, cache.entries) },
    cache.redis === 'down'
      ? {
          aspect: 'redis',
          ok: false,
          text: 'redis down (no shared cache, purges do not reach the other front instances)',
        }
      : { aspect: 'redis', ok: true, text: `redis ${cache.redis}` },
    fastdfsPart(status.fastdfs.state, status.fastdfs.clusters),
  ];
  const failing = parts.filter((p) => !p.ok);
  const ok = failing.length === 0;
  // The failures first: a monitoring system shows the start of the line.
  const shown = [...failing, ...parts.filter((p) => p.ok)].map((p) => p.text);
  return {
    ok,
    line: `${ok ? 'OK' : 'FAIL'} cache: ${shown.join(', ')}`,
    failed: failing.flatMap((p) => (p.aspect === undefined ? [] : [p.aspect])),
    hitRatio,
    ratioJudged,
  };
}

/** No status to judge: `failure` says why, worded to follow the URL (cache-fetch.ts). */
export function statusFailure(url: URL, failure: string): CacheCheckResult {
  return {
    ok: false,
    line: `FAIL cache ${url.href} ${failure}`,
    failed: ['status'],
    hitRatio: null,
    ratioJudged: false,
  };
}

function heldText(bytes: number, maxBytes: number, entries: number): string {
  return `${formatBytes(bytes)} of ${formatBytes(maxBytes)} held in ${counted(entries, 'file', 'files')}`;
}

function ratioPart(
  hits: number,
  misses: number,
  ratio: number | null,
  judged: boolean,
  { minHitRatio, minRequests }: CacheThresholds,
): Part {
  const counts = `${counted(hits, 'hit', 'hits')}, ${counted(misses, 'miss', 'misses')}`;
  if (ratio === null) return { aspect: 'hit_ratio', ok: true, text: `hit ratio n/a (${counts})` };
  if (judged && minHitRatio !== undefined && ratio < minHitRatio) {
    const [shown, threshold] = formatPercents(ratio, minHitRatio);
    return { aspect: 'hit_ratio', ok: false, text: `hit ratio ${shown} below ${threshold} (${counts})` };
  }
  const unjudged = minHitRatio !== undefined && !judged ? `; not judged below ${minRequests} requests` : '';
  return { aspect: 'hit_ratio', ok: true, text: `hit ratio ${formatPercent(ratio)} (${counts}${unjudged})` };
}

/**
 * The front's verdict on FastDFS (apps/front status/fastdfs-watch.ts): down, no cluster could be
 * listed; degraded, a cluster could not be listed or a group has no ACTIVE storage. Either way
 * misses of some files fail, so either fails the check; unknown (the first listing is still
 * under way after a start) does not.
 */
function fastdfsPart(state: FrontStatus['fastdfs']['state'], clusters: ClusterStatus[]): Part {
  if (state === 'up') return { aspect: 'fastdfs', ok: true, text: 'fastdfs up' };
  if (state === 'unknown') return { aspect: 'fastdfs', ok: true, text: 'fastdfs not checked yet' };
  const effect = state === 'down' ? 'misses fail' : 'some misses fail';
  const problems = firstFew(clusters.flatMap(clusterProblems));
  return { aspect: 'fastdfs', ok: false, text: `fastdfs ${state} (${[effect, ...problems].join('; ')})` };
}

function clusterProblems(cluster: ClusterStatus): string[] {
  const name = `cluster ${cluster.hostid}`;
  if (cluster.state === 'up' || cluster.state === 'unknown') return [];
  if (cluster.error !== undefined) return [`${name} ${cluster.state}: ${cut(cluster.error)}`];
  if (cluster.groups.length === 0) return [`${name} has no groups`];
  const dark = cluster.groups.filter((g) => !g.storages.some((s) => s.status === ACTIVE));
  if (dark.length === 0) return [`${name} ${cluster.state}`];
  return dark.map((g) => {
    const storages = firstFew(g.storages.map((s) => `${s.address} ${s.status}`)).join(', ');
    return `${name} group ${g.name} has no ${ACTIVE} storage${storages === '' ? '' : `: ${storages}`}`;
  });
}

/** At most MAX_SHOWN of the items, then how many more. */
function firstFew(items: string[]): string[] {
  if (items.length <= MAX_SHOWN) return items;
  return [...items.slice(0, MAX_SHOWN), `and ${items.length - MAX_SHOWN} more`];
}

function cut(text: string): string {
  return text.length <= MAX_ERROR_CHARS ? text : `${text.slice(0, MAX_ERROR_CHARS - 1)}…`;
}
