/**
 * conf/grafana/pic-storage-front.json against the front's real /metrics: every metric a panel or a
 * variable queries is one the front exports (a renamed metric fails here, not on a dashboard that
 * silently shows "No data"), every query is scoped to the $instance variable and the
 * ${DS_PROMETHEUS} data source, and the panels the operators need are there.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CacheStats } from '@pic-storage/picture-cache';
import { FrontMetrics } from '../../../apps/front/src/status/front-metrics.js';

const DASHBOARD_FILE = new URL('../../../conf/grafana/pic-storage-front.json', import.meta.url);

interface Target {
  expr: string;
  refId: string;
  datasource?: { uid?: string };
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
}

interface Dashboard {
  schemaVersion: number;
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

/** PromQL words that are not metric names (the functions and aggregations are followed by '('). */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset']);
KEYWORDS.add('and').add('or').add('unless');

/**
 * The metric names a PromQL expression selects: what is left once strings, label matchers, range
 * selectors and label lists are removed, minus functions (followed by '('), keywords and numbers.
 */
function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of bare.matchAll(/(?<![\w.])[A-Za-z_:][\w:]*/g)) {
    const rest = bare.slice(match.index + match[0].length).trimStart();
    if (rest.startsWith('(') || KEYWORDS.has(match[0])) continue;
    names.push(match[0]);
  }
  return names;
}

function panelsOf(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
}

/** The sample names of Prometheus text (a histogram's _bucket, _sum and _count lines included). */
function sampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    names.add(/^[A-Za-z_:][\w:]*/.exec(line)![0]);
  }
  return names;
}

let dashboard: Dashboard;
let exported: Set<string>;
let panels: Panel[];
let queries: { panel: string; expr: string }[];

beforeAll(async () => {
  dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
  panels = panelsOf(dashboard.panels);
  queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
  // A front's metrics as it exports them once it has answered a request and listed FastDFS.
  const stats: CacheStats = {
    hits: { memory: 3, redis: 1 },
    misses: 2,
    originFetches: 2,
    originErrors: 0,
    coalesced: 0,
    purged: 0,
    evictions: 0,
    entries: 2,
    bytes: 5000,
    maxBytes: 1 << 20,
    redis: 'off',
    redisErrors: 0,
  };
  const metrics = new FrontMetrics(
    () => stats,
    () => ({
      state: 'up',
      checkedAt: new Date().toISOString(),
      clusters: [{ hostid: 0, state: 'up', trackers: [], groups: [] }],
    }),
  );
  metrics.observe('hit', 200, performance.now());
  exported = sampleNames(await metrics.registry.metrics());
});

describe('the Grafana dashboard', () => {
  it('is a dashboard of a current schema, with its uid and title', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('pic-storage-front');
    expect(dashboard.title).toBe('pic-storage front');
  });

  it('has a Prometheus data source variable and an instance variable read from a front metric', () => {
    const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.get('DS_PROMETHEUS')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const instance = variables.get('instance');
    expect(instance?.type).toBe('query');
    const query = typeof instance?.query === 'string' ? instance.query : (instance?.query.query ?? '');
    const metric = /^label_values\((\w+),\s*instance\)$/.exec(query)?.[1];
    expect(metric, query).toBeDefined();
    expect(exported).toContain(metric);
  });

  it('every metric a panel queries is one the front exports', () => {
    expect(queries.length).toBeGreaterThan(15);
    const missing: string[] = [];
    for (const { panel, expr } of queries) {
      const names = metricNamesOf(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) if (!exported.has(name)) missing.push(`${panel}: ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it('every query is scoped to $instance, and every panel reads ${DS_PROMETHEUS}', () => {
    for (const { panel, expr } of queries) {
      const selectors = expr.match(/\{[^}]*\}/g) ?? [];
      expect(selectors.length, `${panel}: ${expr}`).toBe(metricNamesOf(expr).length);
      for (const selector of selectors) expect(selector, `${panel}: ${expr}`).toContain('instance=~"$instance"');
    }
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${DS_PROMETHEUS}');
    }
  });

  it('panels have unique ids and refIds, and sit in the 24-column grid without overlapping', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const taken = new Set<string>();
    for (const panel of panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          expect(taken.has(`${row},${col}`), `${panel.title} overlaps at ${row},${col}`).toBe(false);
          taken.add(`${row},${col}`);
        }
      }
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
    }
  });

  it('charts what an operator of the front needs', () => {
    const used = new Set(queries.flatMap(({ expr }) => metricNamesOf(expr)));
    for (const metric of [
      'pic_front_request_duration_seconds_count',
      'pic_front_request_duration_seconds_bucket',
      'pic_front_cache_hits_total',
      'pic_front_cache_misses_total',
      'pic_front_cache_bytes',
      'pic_front_cache_max_bytes',
      'pic_front_cache_entries',
      'pic_front_cache_evictions_total',
      'pic_front_cache_origin_fetches_total',
      'pic_front_cache_origin_errors_total',
      'pic_front_redis_up',
      'pic_front_fastdfs_up',
      'pic_front_process_resident_memory_bytes',
      'pic_front_nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(used, metric).toContain(metric);
    }
    const exprs = queries.map((q) => q.expr);
    expect(exprs.some((e) => /histogram_quantile\(0\.5,/.test(e))).toBe(true);
    expect(exprs.some((e) => /histogram_quantile\(0\.99,/.test(e))).toBe(true);
    expect(exprs.some((e) => /sum by \(route, status\)/.test(e))).toBe(true);
    expect(exprs.some((e) => /by \(hostid\) \(pic_front_fastdfs_up/.test(e))).toBe(true);
  });
});

describe('metricNamesOf', () => {
  it.each([
    ['sum by (le, route) (rate(a_bucket{instance=~"$instance"}[$__rate_interval]))', ['a_bucket']],
    ['histogram_quantile(0.99, sum by (le) (rate(x[5m])))', ['x']],
    ['sum(rate(a{t="b c"}[1m])) / (sum(rate(a[1m])) + sum(b))', ['a', 'a', 'b']],
    ['min(up) or vector(0)', ['up']],
    ['a * on (instance) group_left (hostid) b offset 5m', ['a', 'b']],
  ])('%s → %j', (expr, names) => {
    expect(metricNamesOf(expr)).toEqual(names);
  });
});
