/**
 * A purge passed on to external caches (purge_external, varnish style: one
 * `PURGE <url>/download.fcgi/<id>` per file each), and the answers a purge gets when one refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRecorder } from '../../helpers/http-recorder.js';
import {
  startFrontBackends,
  startTestFront,
  stopAll,
  type FrontBackends,
  type TestFront,
} from '../../helpers/front-server.js';

const ID_A = 'group1/M00/00/00/fwAAAWsCQ8KAYWuuAAAMLyVktI4390.jpg';
const ID_B = 'group1/M00/00/01/fwAAAWsCQ8KAYWuuAAAMLyVktI4391.png';

let backends: FrontBackends;
let cacheA: HttpRecorder;
let cacheB: HttpRecorder;
let front: TestFront;

beforeAll(async () => {
  backends = await startFrontBackends();
  cacheA = await HttpRecorder.start();
  cacheB = await HttpRecorder.start();
  // Two purge_external lines: the conf helper writes one key per line, so the second goes in by hand.
  front = await startTestFront(backends, { purge_external: `${cacheA.url}\npurge_external = ${cacheB.url}/` });
});

afterAll(async () => {
  await stopAll(front, backends);
  await cacheA?.stop();
  await cacheB?.stop();
});

describe('purge forwarding to external caches', () => {
  it('POST /purge sends one PURGE per file to each external cache, and answers 200 when all took it', async () => {
    cacheA.clear();
    cacheB.clear();
    const response = await fetch(`${front.url}/purge`, { method: 'POST', body: JSON.stringify([ID_A, ID_B]) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ result: 'success', purged: [ID_A, ID_B] });
    for (const cache of [cacheA, cacheB]) {
      expect(cache.requests.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
        [`PURGE /download.fcgi/${ID_A}`, `PURGE /download.fcgi/${ID_B}`].sort(),
      );
      // The front's secret is never sent to an external cache.
      expect(cache.requests.every((r) => r.headers['x-purge-secret'] === undefined)).toBe(true);
    }
  });

  it('an external cache that refuses makes the purge 502, naming the files and why', async () => {
    cacheA.clear();
    cacheB.clear();
    cacheB.status = 500;
    try {
      const response = await fetch(`${front.url}/download.fcgi/${ID_A}`, { method: 'PURGE' });
      expect(response.status).toBe(502);
      const body = (await response.json()) as { result: string; external_failed: Record<string, string> };
      expect(body.result).toBe('error');
      expect(Object.keys(body.external_failed)).toEqual([ID_A]);
      expect(body.external_failed[ID_A]).toMatch(/HTTP 500/);
      expect(cacheA.requests.map((r) => r.method)).toEqual(['PURGE']);
    } finally {
      cacheB.status = 200;
    }
  });

  it('a varnish that did not hold the URL (404) counts as purged', async () => {
    cacheA.status = 404;
    try {
      expect((await fetch(`${front.url}/download.fcgi/${ID_B}`, { method: 'PURGE' })).status).toBe(200);
    } finally {
      cacheA.status = 200;
    }
  });

  it('a malformed id is 400 and goes nowhere', async () => {
    cacheA.clear();
    const response = await fetch(`${front.url}/purge`, {
      method: 'POST',
      body: JSON.stringify({ files: ['../../etc/passwd'] }),
    });
    expect(response.status).toBe(400);
    const bad = await fetch(`${front.url}/download.fcgi/group1/M00/00/00/short.jpg`, { method: 'PURGE' });
    expect(bad.status).toBe(400);
    expect(cacheA.requests).toEqual([]);
  });
});
