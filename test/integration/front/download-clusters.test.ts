/**
 * Several FastDFS clusters (hostids): a miss tries each in hostid order until one knows the
 * file's group; a group no cluster knows is 404; while a cluster cannot be reached, a group it
 * might hold is 503, not 404, and the clusters that answer still serve theirs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import {
  CountingFdfsClient,
  type DownloadFront,
  downloadConf,
  rawRequest,
  startDownloadFront,
} from '../../helpers/download-front.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

let first: EmbeddedFdfs;
let second: EmbeddedFdfs;
const bases: string[] = [];
let clients: CountingFdfsClient[];
let front: DownloadFront;
const inFirst = { content: Buffer.alloc(4000, 1), id: '' };
const inSecond = { content: Buffer.alloc(5000, 2), id: '' };
const largeInSecond = { content: Buffer.alloc(300_000, 3), id: '' };

beforeAll(async () => {
  const a = await startEmbedded({ groupName: 'alpha' });
  const b = await startEmbedded({ groupName: 'beta' });
  [first, second] = [a.server, b.server];
  bases.push(a.basePath, b.basePath);
  clients = [
    new CountingFdfsClient({ trackers: [first.trackerAddress], connectTimeout: 2_000 }),
    new CountingFdfsClient({ trackers: [second.trackerAddress], connectTimeout: 2_000 }),
  ];
  inFirst.id = await clients[0]!.upload(inFirst.content, { ext: 'jpg' });
  inSecond.id = await clients[1]!.upload(inSecond.content, { ext: 'jpg' });
  largeInSecond.id = await clients[1]!.upload(largeInSecond.content, { ext: 'jpg' });
  front = await startDownloadFront({ clients, conf: downloadConf({ maxObjectBytes: 100_000 }) });
});

afterAll(async () => {
  await front?.stop();
  for (const client of clients ?? []) await client.close();
  await first?.stop();
  await second?.stop();
  for (const base of bases) await removeDir(base);
});

describe('two clusters', () => {
  it('serves each group from the cluster that has it', async () => {
    for (const file of [inFirst, inSecond, largeInSecond]) {
      const res = await rawRequest(front.base, `/download.fcgi/${file.id}`);
      expect(res.status).toBe(200);
      expect(res.body.equals(file.content)).toBe(true);
    }
    // Cluster 0 was asked for beta once (its tracker knows no such group), then cluster 1 served it.
    expect(clients[0]!.downloads).toBe(2);
    expect(clients[1]!.downloads).toBe(1);
    expect(clients[1]!.streams).toBe(1);
  });

  it('remembers which cluster holds a group: the next beta miss goes to cluster 1 first', async () => {
    const content = Buffer.alloc(3000, 4);
    const id = await clients[1]!.upload(content, { ext: 'jpg' });
    const askedFirst = clients[0]!.downloads;
    const res = await rawRequest(front.base, `/download.fcgi/${id}`);
    expect(res.body.equals(content)).toBe(true);
    expect(clients[0]!.downloads).toBe(askedFirst);
  });

  it('a group neither knows: 404', async () => {
    const res = await rawRequest(front.base, `/download.fcgi/${inFirst.id.replace(/^alpha/, 'gamma')}`);
    expect(res.status).toBe(404);
  });

  it('the first cluster down: the second still serves its group; an unknown group is 503 (it may be there)', async () => {
    await first.stop();
    const second = await rawRequest(front.base, `/download.fcgi/${largeInSecond.id}`, {
      headers: { Range: 'bytes=0-99' },
    });
    expect(second.status).toBe(206);
    expect(second.body.equals(largeInSecond.content.subarray(0, 100))).toBe(true);
    const unknown = await rawRequest(front.base, `/download.fcgi/${inFirst.id.replace(/^alpha/, 'gamma')}`);
    expect(unknown.status).toBe(503);
    // Cached before the outage: still served.
    expect((await rawRequest(front.base, `/download.fcgi/${inFirst.id}`)).status).toBe(200);
  });
});
