/**
 * `monit cache`'s judgement of a front /status body, without a socket: the /status reader (every
 * field it needs named when missing or wrong), the verdict and its one line, and how numbers are
 * written on it.
 */
import { describe, expect, it } from 'vitest';
import { judgeCache } from '../../../apps/monit/src/cache-check.js';
import { counted, formatBytes, formatPercents } from '../../../apps/monit/src/cache-format.js';
import { StatusShapeError, parseFrontStatus, type FrontStatus } from '../../../apps/monit/src/cache-status.js';

/** A healthy front's /status body, as apps/front writes it. */
function body(): Record<string, unknown> & { cache: Record<string, unknown>; fastdfs: Record<string, unknown> } {
  return {
    service: 'front',
    version: '0.1.0',
    uptime_s: 123,
    cache: {
      hits: 931,
      hits_memory: 900,
      hits_redis: 31,
      misses: 69,
      hit_ratio: 0.931,
      coalesced: 2,
      origin_fetches: 67,
      entries: 412,
      bytes: Math.round(12.3 * 1024 * 1024),
      max_bytes: 256 * 1024 * 1024,
      evictions: 0,
      purged: 1,
      redis: 'off',
    },
    fastdfs: {
      state: 'up',
      checked_at: '2026-11-22T01:00:00.000Z',
      clusters: [
        {
          hostid: 0,
          state: 'up',
          trackers: [{ address: '127.0.0.1:22122', state: 'up' }],
          groups: [{ name: 'g01', storages: [{ id: '127.0.0.1', address: '127.0.0.1:23000', status: 'ACTIVE' }] }],
        },
      ],
    },
  };
}

function status(change: (b: ReturnType<typeof body>) => void = () => {}): FrontStatus {
  const b = body();
  change(b);
  return parseFrontStatus(b);
}

describe('parseFrontStatus', () => {
  it('reads the front body: the counters, Redis, and FastDFS clusters', () => {
    const s = status();
    expect(s.cache).toEqual({
      hits: 931,
      hits_memory: 900,
      hits_redis: 31,
      misses: 69,
      coalesced: 2,
      origin_fetches: 67,
      entries: 412,
      bytes: 12897485,
      max_bytes: 268435456,
      evictions: 0,
      purged: 1,
      redis: 'off',
    });
    expect(s.version).toBe('0.1.0');
    expect(s.uptime_s).toBe(123);
    expect(s.fastdfs.state).toBe('up');
    expect(s.fastdfs.clusters[0]?.groups[0]?.storages).toEqual([{ address: '127.0.0.1:23000', status: 'ACTIVE' }]);
  });

  it('counters the check does not use may be missing; a fresh front has checked_at null and state unknown', () => {
    const s = status((b) => {
      delete b.cache.coalesced;
      delete b.cache.hits_redis;
      delete b.version;
      b.fastdfs.state = 'unknown';
      b.fastdfs.checked_at = null;
      b.fastdfs.clusters = [];
    });
    expect(s.cache.coalesced).toBeUndefined();
    expect(s.version).toBeUndefined();
    expect(s.fastdfs).toEqual({ state: 'unknown', checked_at: null, clusters: [] });
  });

  it('names the field that is missing or wrong', () => {
    const cases: Array<[unknown, string]> = [
      [[], 'the body is not an object'],
      [null, 'the body is not an object'],
      [{ ...body(), service: undefined }, 'service is missing, not "front"'],
      [{ ...body(), service: 'cut-svr' }, 'service is "cut-svr", not "front"'],
      [{ ...body(), cache: undefined }, 'cache is missing'],
      [{ ...body(), cache: { ...body().cache, hits: undefined } }, 'cache.hits is missing'],
      [{ ...body(), cache: { ...body().cache, misses: -1 } }, 'cache.misses is not a count'],
      [{ ...body(), cache: { ...body().cache, bytes: '12' } }, 'cache.bytes is not a count'],
      [{ ...body(), cache: { ...body().cache, entries: 1.5 } }, 'cache.entries is not a count'],
      [{ ...body(), cache: { ...body().cache, evictions: null } }, 'cache.evictions is not a count'],
      [{ ...body(), cache: { ...body().cache, redis: 'on' } }, 'cache.redis is "on", not "off" | "up" | "down"'],
      [{ ...body(), fastdfs: { ...body().fastdfs, state: 'ok' } }, 'fastdfs.state is "ok", not "up" | "down"'],
      [{ ...body(), fastdfs: { ...body().fastdfs, clusters: {} } }, 'fastdfs.clusters is not a list'],
      [
        { ...body(), fastdfs: { ...body().fastdfs, clusters: [{ hostid: 0, state: 'up', groups: [{ name: 1 }] }] } },
        'fastdfs.clusters[0].groups[0].name is not text',
      ],
    ];
    for (const [value, message] of cases) {
      expect(() => parseFrontStatus(value), message).toThrow(StatusShapeError);
      expect(() => parseFrontStatus(value), message).toThrow(message);
    }
  });
});

describe('judgeCache', () => {
  it('healthy: OK and the numbers on one line', () => {
    expect(judgeCache(status(), { minRequests: 100 })).toEqual({
      ok: true,
      line:
        'OK cache: hit ratio 93.1% (931 hits, 69 misses), 12.3 MB of 256.0 MB held in 412 files, ' +
        'redis off, fastdfs up',
      failed: [],
      hitRatio: 0.931,
      ratioJudged: false,
    });
  });

  it('the ratio is judged against --min-hit-ratio once hits + misses reach --min-requests, failures first', () => {
    const low = status((b) => Object.assign(b.cache, { hits: 41, misses: 59 }));
    const judged = judgeCache(low, { minHitRatio: 0.8, minRequests: 100 });
    expect(judged).toMatchObject({ ok: false, failed: ['hit_ratio'], hitRatio: 0.41, ratioJudged: true });
    expect(judged.line).toBe(
      'FAIL cache: hit ratio 41.0% below 80.0% (41 hits, 59 misses), 12.3 MB of 256.0 MB held in 412 files, ' +
        'redis off, fastdfs up',
    );
    const early = judgeCache(low, { minHitRatio: 0.8, minRequests: 101 });
    expect(early).toMatchObject({ ok: true, ratioJudged: false });
    expect(early.line).toMatch(/^OK cache: hit ratio 41\.0% \(41 hits, 59 misses; not judged below 101 requests\), /);
    // At or above the threshold passes.
    expect(judgeCache(low, { minHitRatio: 0.41, minRequests: 100 }).ok).toBe(true);
  });

  it('no request yet: ratio n/a, never judged', () => {
    const fresh = status((b) => Object.assign(b.cache, { hits: 0, misses: 0, entries: 1, bytes: 512 }));
    expect(judgeCache(fresh, { minHitRatio: 0.9, minRequests: 0 })).toEqual({
      ok: true,
      line: 'OK cache: hit ratio n/a (0 hits, 0 misses), 512 B of 256.0 MB held in 1 file, redis off, fastdfs up',
      failed: [],
      hitRatio: null,
      ratioJudged: false,
    });
  });

  it('Redis down fails (redis up and off pass)', () => {
    const down = judgeCache(
      status((b) => (b.cache.redis = 'down')),
      { minRequests: 100 },
    );
    expect(down.ok).toBe(false);
    expect(down.failed).toEqual(['redis']);
    expect(down.line).toMatch(
      /^FAIL cache: redis down \(no shared cache, purges do not reach the other front instances\), hit ratio 93\.1%/,
    );
    expect(
      judgeCache(
        status((b) => (b.cache.redis = 'up')),
        { minRequests: 100 },
      ).line,
    ).toMatch(/, redis up, /);
  });

  it('FastDFS down: FAIL naming each cluster and why; degraded names the group with no ACTIVE storage', () => {
    const down = status((b) => {
      b.fastdfs.state = 'down';
      b.fastdfs.clusters = [
        {
          hostid: 0,
          state: 'down',
          trackers: [],
          groups: [],
          error: 'cannot connect to 127.0.0.1:22122: ECONNREFUSED',
        },
      ];
    });
    const result = judgeCache(down, { minRequests: 100 });
    expect(result).toMatchObject({ ok: false, failed: ['fastdfs'] });
    expect(result.line).toBe(
      'FAIL cache: fastdfs down (misses fail; cluster 0 down: cannot connect to 127.0.0.1:22122: ECONNREFUSED), ' +
        'hit ratio 93.1% (931 hits, 69 misses), 12.3 MB of 256.0 MB held in 412 files, redis off',
    );

    const degraded = status((b) => {
      b.fastdfs.state = 'degraded';
      b.fastdfs.clusters = [
        ...(b.fastdfs.clusters as unknown[]),
        {
          hostid: 1,
          state: 'degraded',
          groups: [
            { name: 'g01', storages: [{ id: 'a', address: '10.0.0.5:23000', status: 'ACTIVE' }] },
            {
              name: 'g02',
              storages: [
                { id: 'b', address: '10.0.0.6:23000', status: 'OFFLINE' },
                { id: 'c', address: '10.0.0.7:23000', status: 'WAIT_SYNC' },
              ],
            },
          ],
        },
      ];
    });
    expect(judgeCache(degraded, { minRequests: 100 }).line).toMatch(
      /^FAIL cache: fastdfs degraded \(some misses fail; cluster 1 group g02 has no ACTIVE storage: 10\.0\.0\.6:23000 OFFLINE, 10\.0\.0\.7:23000 WAIT_SYNC\), hit ratio/,
    );
  });

  it('fastdfs not checked yet (the first listing after a start) is not a failure', () => {
    const fresh = status((b) => Object.assign(b.fastdfs, { state: 'unknown', checked_at: null, clusters: [] }));
    const result = judgeCache(fresh, { minRequests: 100 });
    expect(result.ok).toBe(true);
    expect(result.line).toMatch(/, fastdfs not checked yet$/);
  });

  it('many failing clusters: the first three, then how many more; a long error is cut', () => {
    const many = status((b) => {
      b.fastdfs.state = 'down';
      b.fastdfs.clusters = [0, 1, 2, 3, 4].map((hostid) => ({
        hostid,
        state: 'down',
        error: hostid === 0 ? 'x'.repeat(500) : `cluster ${hostid} unreachable`,
      }));
    });
    const { line } = judgeCache(many, { minRequests: 100 });
    expect(line).toContain(`cluster 0 down: ${'x'.repeat(199)}…; cluster 1 down: cluster 1 unreachable; `);
    expect(line).toContain('cluster 2 down: cluster 2 unreachable; and 2 more), hit ratio');
    expect(line).not.toContain('cluster 3');
  });

  it('everything failing at once: every failure before the numbers that pass', () => {
    const bad = status((b) => {
      Object.assign(b.cache, { hits: 1, misses: 199, redis: 'down' });
      Object.assign(b.fastdfs, { state: 'down', clusters: [] });
    });
    const result = judgeCache(bad, { minHitRatio: 0.5, minRequests: 100 });
    expect(result.failed).toEqual(['hit_ratio', 'redis', 'fastdfs']);
    expect(result.line).toBe(
      'FAIL cache: hit ratio 0.5% below 50.0% (1 hit, 199 misses), redis down (no shared cache, purges do not ' +
        'reach the other front instances), fastdfs down (misses fail), 12.3 MB of 256.0 MB held in 412 files',
    );
  });
});

describe('cache-format', () => {
  it('bytes in binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(268435456)).toBe('256.0 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
    expect(formatBytes(2 * 1024 ** 5)).toBe('2048.0 TB');
  });

  it('a ratio and its threshold: two decimals when one would show them equal', () => {
    expect(formatPercents(0.41, 0.8)).toEqual(['41.0%', '80.0%']);
    expect(formatPercents(0.7996, 0.8)).toEqual(['79.96%', '80.00%']);
  });

  it('counts agree with their noun', () => {
    expect(counted(1, 'hit', 'hits')).toBe('1 hit');
    expect(counted(0, 'hit', 'hits')).toBe('0 hits');
    expect(counted(2, 'miss', 'misses')).toBe('2 misses');
  });
});
