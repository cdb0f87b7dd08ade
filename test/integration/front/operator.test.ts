/**
 * The operator page's HTTP side on a real front (the page in a browser: test/browser/operator-page.test.ts):
 * who may open it (purge_allow, or the purge secret as a Basic password or in X-Purge-Secret),
 * its security headers and files, the traffic history it charts, and the file-id lookup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_REALM } from '../../../apps/front/src/purge/purge-access.js';
import {
  frontCacheStatus,
  startFrontBackends,
  startTestFront,
  stopAll,
  waitUntil,
  type FrontBackends,
  type TestFront,
} from '../../helpers/front-server.js';

const SECRET = 'operator-Secret-1';
/** Not this machine: the fronts that list it admit 127.0.0.1 by the secret only. */
const ELSEWHERE = '203.0.113.7';

interface History {
  interval_ms: number;
  t: number[];
  request_rate: number[];
  hit_ratio: (number | null)[];
  bytes: number[];
  entries: number[];
}

let backends: FrontBackends;
/** Default access: loopback allowed, no secret. */
let open: TestFront;
/** Loopback not allowed; the secret opens it. */
let guarded: TestFront;
/** Loopback not allowed and no secret: nobody here gets in. */
let closed: TestFront;
let fileId: string;

beforeAll(async () => {
  backends = await startFrontBackends();
  const hooks = { operatorSampleIntervalMs: 100, fastdfsWatchIntervalMs: 200 };
  open = await startTestFront(backends, {}, { hooks });
  guarded = await startTestFront(backends, { purge_allow: ELSEWHERE, purge_secret: SECRET }, { hooks });
  closed = await startTestFront(backends, { purge_allow: ELSEWHERE }, { hooks });
  fileId = await backends.fdfsClient.upload(Buffer.alloc(2345, 5), { ext: 'png' });
});

afterAll(async () => {
  await stopAll(open, guarded, closed, backends);
});

function basic(password: string): string {
  return `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
}

describe('who may open the operator page', () => {
  it('an allowed address: the page, with a CSP that allows this origin only and no inline script', async () => {
    const response = await get(`${open.url}/operator`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("img-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('<script src="/operator/operator.js" defer></script>');
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|\son[a-z]+=|style=/);
  });

  it('not allowed, a secret configured: 401 with a Basic challenge; the secret as password or header opens it', async () => {
    const refused = await get(`${guarded.url}/operator`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(`Basic realm="${OPERATOR_REALM}", charset="UTF-8"`);
    expect(await refused.json()).toMatchObject({ result: 'error', message: expect.stringMatching(/purge secret/) });
    expect((await get(`${guarded.url}/operator/history.json`)).status).toBe(401);
    expect((await get(`${guarded.url}/operator`, { authorization: basic('wrong') })).status).toBe(401);

    expect((await get(`${guarded.url}/operator`, { authorization: basic(SECRET) })).status).toBe(200);
    expect((await get(`${guarded.url}/operator/history.json`, { authorization: basic(SECRET) })).status).toBe(200);
    expect((await get(`${guarded.url}/operator/uplot.js`, { 'x-purge-secret': SECRET })).status).toBe(200);
  });

  it('not allowed and no secret configured: 403, and no challenge (no password would help)', async () => {
    const refused = await get(`${closed.url}/operator`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBeNull();
    expect((await get(`${closed.url}/operator`, { authorization: basic('') })).status).toBe(403);
  });

  it('POST /purge takes the same Basic credentials; without them it stays 403', async () => {
    const purge = (headers: Record<string, string>) =>
      fetch(`${guarded.url}/purge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify([fileId]),
        signal: AbortSignal.timeout(20_000),
      });
    expect((await purge({})).status).toBe(403);
    expect((await purge({ authorization: basic('wrong') })).status).toBe(403);
    expect((await get(`${guarded.url}/download.fcgi/${fileId}`)).status).toBe(200);
    const before = await frontCacheStatus(guarded.url);
    const response = await purge({ authorization: basic(SECRET) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ result: 'success', purged: [fileId], memory: 1 });
    const after = await frontCacheStatus(guarded.url);
    expect([after.entries, after.purged]).toEqual([before.entries - 1, before.purged + 1]);
  });
});

describe('what the page reads', () => {
  it('serves its script and style, and uPlot from the installed package', async () => {
    for (const [path, type, text] of [
      ['/operator/operator.js', 'text/javascript', "'use strict'"],
      ['/operator/operator.css', 'text/css', '.card'],
      ['/operator/uplot.js', 'text/javascript', 'uPlot'],
      ['/operator/uplot.css', 'text/css', '.uplot'],
    ] as const) {
      const response = await get(`${open.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe(`${type}; charset=utf-8`);
      expect(await response.text(), path).toContain(text);
    }
    expect((await get(`${open.url}/operator/nothing.js`)).status).toBe(404);
  });

  it('history.json: each interval its request rate and hit ratio, and the bytes and entries held', async () => {
    const other = await backends.fdfsClient.upload(Buffer.alloc(3000, 6), { ext: 'jpg' });
    // One miss and three hits, then nothing: some interval holds a ratio of the downloads.
    for (let i = 0; i < 4; i++) expect((await get(`${open.url}/download.fcgi/${other}`)).status).toBe(200);
    const history = await waitUntil(
      async () => (await (await get(`${open.url}/operator/history.json`)).json()) as History,
      (h) => h.hit_ratio.some((r) => r !== null) && h.t.length >= 3,
      'an interval with downloads charted',
    );
    expect(history.interval_ms).toBe(100);
    const n = history.t.length;
    for (const column of [history.request_rate, history.hit_ratio, history.bytes, history.entries]) {
      expect(column).toHaveLength(n);
    }
    for (let i = 1; i < n; i++) expect(history.t[i]!).toBeGreaterThan(history.t[i - 1]!);
    expect(history.t[n - 1]! * 1000).toBeGreaterThan(Date.now() - 60_000);
    const ratios = history.hit_ratio.filter((r): r is number => r !== null);
    for (const r of ratios) expect(r).toBeGreaterThanOrEqual(0);
    for (const r of ratios) expect(r).toBeLessThanOrEqual(1);
    // An interval with downloads answered requests; three of the four downloads were hits.
    for (const [i, r] of history.hit_ratio.entries())
      if (r !== null) expect(history.request_rate[i]).toBeGreaterThan(0);
    expect(ratios.some((r) => r > 0)).toBe(true);
    expect(Math.max(...history.bytes)).toBeGreaterThanOrEqual(3000);
    expect(Math.max(...history.entries)).toBeGreaterThanOrEqual(1);
  });

  it('file?id=: the id decoded and whether it is cached here, without counting a hit', async () => {
    const id = await backends.fdfsClient.upload(Buffer.alloc(1234, 1), { ext: 'gif' });
    const look = async () => (await get(`${open.url}/operator/file?id=${encodeURIComponent(id)}`)).json();
    const before = await frontCacheStatus(open.url);
    expect(await look()).toMatchObject({
      result: 'success',
      file_id: id,
      group: id.slice(0, id.indexOf('/')),
      size: 1234,
      type: 'normal',
      content_type: 'image/gif',
      cached: false,
      download_url: `/download.fcgi/${id}`,
    });
    expect((await get(`${open.url}/download.fcgi/${id}`)).status).toBe(200);
    expect(await look()).toMatchObject({ cached: true });
    const after = await frontCacheStatus(open.url);
    expect([after.hits, after.misses]).toEqual([before.hits, before.misses + 1]);
  });

  it('file?id= with a malformed id, a URL of something else, or no id: 400 saying why', async () => {
    const bad = async (query: string) => {
      const response = await get(`${open.url}/operator/file${query}`);
      expect(response.status, query).toBe(400);
      return ((await response.json()) as { message: string }).message;
    };
    expect(await bad('?id=group1/M00/00/00/nope.jpg')).toMatch(/invalid file id/);
    expect(await bad(`?id=${encodeURIComponent('http://x/status')}`)).toMatch(/not a download URL/);
    expect(await bad('')).toMatch(/give one file id/);
    expect(await bad('?id=a&id=b')).toMatch(/give one file id/);
  });

  it('/status lists each storage with its state and disk space', async () => {
    const status = await waitUntil(
      async () =>
        (await (await get(`${open.url}/status`)).json()) as {
          fastdfs: { state: string; clusters: { groups: { storages: Record<string, unknown>[] }[] }[] };
        },
      (s) => s.fastdfs.state === 'up',
      'FastDFS listed',
    );
    const storage = status.fastdfs.clusters[0]?.groups[0]?.storages[0];
    expect(storage).toMatchObject({ status: 'ACTIVE', total_mb: expect.any(Number), free_mb: expect.any(Number) });
    expect(storage?.total_mb as number).toBeGreaterThan(0);
    expect(storage?.free_mb as number).toBeLessThanOrEqual(storage?.total_mb as number);
  });
});
