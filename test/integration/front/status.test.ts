/**
 * GET /status and GET /metrics of a real front: the cache's counts move with downloads, FastDFS is
 * listed in the background (up, then down once it stops), and `monit cache` reads the page.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFrontBackends,
  startTestFront,
  stopAll,
  waitUntil,
  type FrontBackends,
  type TestFront,
} from '../../helpers/front-server.js';

const MONIT = fileURLToPath(new URL('../../../apps/monit/bin/monit.mjs', import.meta.url));
const run = promisify(execFile);

interface Status {
  service: string;
  cache: { hits: number; misses: number; hit_ratio: number | null; entries: number; bytes: number; max_bytes: number };
  fastdfs: {
    state: string;
    clusters: { hostid: number; state: string; groups: { storages: { status: string }[] }[] }[];
  };
}

let backends: FrontBackends;
let front: TestFront;

beforeAll(async () => {
  backends = await startFrontBackends();
  front = await startTestFront(backends, { cache_memory: '1MB' }, { hooks: { fastdfsWatchIntervalMs: 200 } });
});

afterAll(async () => {
  await stopAll(front, backends);
});

async function status(): Promise<Status> {
  const response = await fetch(`${front.url}/status`);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as Status;
}

describe('status and metrics', () => {
  it('/status counts a miss then a hit, the bytes held, and lists FastDFS as up', async () => {
    const before = await status();
    expect(before).toMatchObject({ service: 'front', cache: { max_bytes: 1024 * 1024 } });
    const fileId = await backends.fdfsClient.upload(Buffer.alloc(5000, 7), { ext: 'jpg' });
    for (let i = 0; i < 2; i++) expect((await fetch(`${front.url}/download.fcgi/${fileId}`)).status).toBe(200);
    const after = await waitUntil(status, (s) => s.fastdfs.state === 'up', 'FastDFS listed up');
    expect(after.cache.misses - before.cache.misses).toBe(1);
    expect(after.cache.hits - before.cache.hits).toBe(1);
    expect(after.cache.entries).toBe(before.cache.entries + 1);
    expect(after.cache.bytes).toBeGreaterThanOrEqual(before.cache.bytes + 5000);
    expect(after.cache.hit_ratio).toBeGreaterThan(0);
    expect(after.fastdfs.clusters).toHaveLength(1);
    expect(after.fastdfs.clusters[0]?.groups[0]?.storages[0]?.status).toBe('ACTIVE');

    const monit = await run(process.execPath, [MONIT, 'cache', '--url', front.url]);
    expect(monit.stdout).toMatch(/^OK cache: hit ratio \d+\.\d% \(\d+ hits?, \d+ miss(es)?\).*fastdfs up\n$/);
  });

  it('/metrics is Prometheus text with the cache counters, bytes, latency by route and FastDFS state', async () => {
    const response = await fetch(`${front.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    const s = await status();
    expect(text).toContain(`pic_front_cache_misses_total ${s.cache.misses}`);
    expect(text).toContain(`pic_front_cache_max_bytes ${1024 * 1024}`);
    expect(text).toMatch(/^pic_front_cache_hits_total\{tier="memory"\} [1-9]\d*$/m);
    expect(text).toMatch(/^pic_front_request_duration_seconds_count\{route="hit",status="2xx"\} [1-9]\d*$/m);
    expect(text).toMatch(/^pic_front_request_duration_seconds_count\{route="miss",status="2xx"\} [1-9]\d*$/m);
    expect(text).toMatch(/^pic_front_request_duration_seconds_count\{route="status",status="2xx"\} [1-9]\d*$/m);
    expect(text).toMatch(/^pic_front_fastdfs_up\{hostid="0"\} 1$/m);
    expect(text).toMatch(/^pic_front_process_resident_memory_bytes \d+/m);
  });

  it('FastDFS stopped: /status says down, monit cache fails, and the cached file is still served', async () => {
    const fileId = await backends.fdfsClient.upload(Buffer.alloc(3000, 9), { ext: 'png' });
    expect((await fetch(`${front.url}/download.fcgi/${fileId}`)).status).toBe(200);
    await backends.fdfs.stop();
    const down = await waitUntil(status, (s) => s.fastdfs.state === 'down', 'FastDFS listed down');
    expect(down.fastdfs.clusters[0]?.state).toBe('down');
    expect((await fetch(`${front.url}/download.fcgi/${fileId}`)).status).toBe(200);
    const monit = await run(process.execPath, [MONIT, 'cache', '--url', front.url]).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(monit.code).toBe(1);
    expect(monit.stdout).toMatch(/^FAIL cache.*fastdfs down/);
    const metrics = await (await fetch(`${front.url}/metrics`)).text();
    expect(metrics).toMatch(/^pic_front_fastdfs_up\{hostid="0"\} 0$/m);
  });
});
