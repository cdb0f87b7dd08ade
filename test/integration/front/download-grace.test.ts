/**
 * Grace: with FastDFS gone, what the cache holds is still served (a hit never touches FastDFS)
 * and everything else is 503, logged once per kind of failure rather than once per request.
 */
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import {
  CountingFdfsClient,
  type DownloadFront,
  downloadConf,
  rawRequest,
  startDownloadFront,
} from '../../helpers/download-front.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

let fdfs: EmbeddedFdfs;
let basePath: string;
let client: CountingFdfsClient;
let front: DownloadFront;
const lines: Array<Record<string, unknown>> = [];
const cached = { content: Buffer.alloc(20_000, 7), id: '' };
const uncached = { content: Buffer.alloc(30_000, 8), id: '' };
const large = { content: Buffer.alloc(100_000, 9), id: '' };
const huge = { content: Buffer.alloc(8 * 1024 * 1024, 10), id: '' };
/** Bytes the client got of `huge` when FastDFS stopped in the middle of it. */
let hugeReceived = 0;

beforeAll(async () => {
  ({ server: fdfs, basePath } = await startEmbedded());
  client = new CountingFdfsClient({ trackers: [fdfs.trackerAddress], connectTimeout: 2_000 });
  for (const file of [cached, uncached, large, huge]) file.id = await client.upload(file.content, { ext: 'jpg' });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  front = await startDownloadFront({
    clients: [client],
    conf: downloadConf({ maxObjectBytes: 64 * 1024 }),
    logger: pino(sink),
  });
  expect((await rawRequest(front.base, `/download.fcgi/${cached.id}`)).status).toBe(200);
  // FastDFS goes away in the middle of a streamed download.
  const { hostname, port } = new URL(front.base);
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: hostname, port, path: `/download.fcgi/${huge.id}`, agent: false }, (res) => {
      expect(res.statusCode).toBe(200);
      res.once('data', () => void fdfs.stop());
      res.on('data', (chunk: Buffer) => (hugeReceived += chunk.length));
      res.on('error', () => undefined);
      res.on('close', resolve);
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    req.end();
  });
});

afterAll(async () => {
  await front?.stop();
  await client?.close();
  await removeDir(basePath);
});

describe('FastDFS stopped', () => {
  it('in the middle of a streamed download: the client gets a short body, never a whole-looking one', () => {
    expect(hugeReceived).toBeGreaterThan(0);
    expect(hugeReceived).toBeLessThan(huge.content.length);
    const broke = lines.filter((line) => line.msg === 'a streamed download broke off');
    expect(broke).toHaveLength(1);
    expect(broke[0]).toMatchObject({ kind: 'stream-failed', fileId: huge.id, err: expect.stringMatching(/closed/) });
  });

  it('a cached file is still 200, whole, ranged and conditional', async () => {
    const whole = await rawRequest(front.base, `/download.fcgi/${cached.id}`);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(cached.content)).toBe(true);
    const part = await rawRequest(front.base, `/${cached.id}`, { headers: { Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    const again = await rawRequest(front.base, `/${cached.id}`, { headers: { 'If-None-Match': whole.headers.etag! } });
    expect(again.status).toBe(304);
  });

  it('a file not cached is 503 (GET and HEAD, cacheable size or streamed), and that is not cached', async () => {
    for (const id of [uncached.id, large.id]) {
      for (const method of ['GET', 'HEAD', 'GET']) {
        const res = await rawRequest(front.base, `/download.fcgi/${id}`, { method });
        expect(res.status).toBe(503);
        expect(res.headers['cache-control']).toBe('no-store');
      }
    }
    expect(front.cache.peek(uncached.id)).toBeUndefined();
  });

  it('the failures are logged once per kind, not once per request', async () => {
    const failures = lines.filter((line) => line.msg === 'FastDFS could not serve a download');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.length).toBeLessThan(6);
    expect(failures[0]).toMatchObject({ level: 40, fileId: expect.any(String), err: expect.any(String) });
    expect(new Set(failures.map((f) => f.kind)).size).toBe(failures.length);
  });
});
