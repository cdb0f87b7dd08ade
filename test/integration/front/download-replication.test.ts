/**
 * Replication delay, as the FastDFS nginx module handles it: two storages of ONE group on two
 * loopback addresses (A 127.0.0.2, B 127.0.0.3, one storage port, each with its own tracker and
 * store). A file uploaded to A has A's IP in its id; the front knows only B's tracker, and B does
 * not have the file. While the file is younger than storage_sync_file_max_delay the front reads
 * it from A (the IP in the id, on the port B answered on); older, B's ENOENT stands: 404,
 * without asking A.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { decodeFileId } from 'fastdfs-client-ts';
import {
  CountingFdfsClient,
  type DownloadFront,
  downloadConf,
  rawRequest,
  startDownloadFront,
} from '../../helpers/download-front.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

const A = '127.0.0.2';
const B = '127.0.0.3';
const GROUP = 'grp1';

let storageA: EmbeddedFdfs;
let storageB: EmbeddedFdfs;
const bases: string[] = [];
let uploader: CountingFdfsClient;
let clientB: CountingFdfsClient;
let young: DownloadFront;
let old: DownloadFront;
const content = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 31) % 256));
const large = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 17) % 256));
let fileId: string;
let largeId: string;

/** A port free on both addresses (tried by binding it on each). */
async function portFreeOnBoth(): Promise<number> {
  const bind = (host: string, port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, host, () => {
        const bound = (server.address() as { port: number }).port;
        server.close(() => resolve(bound));
      });
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bind(A, 0);
    try {
      await bind(B, port);
      return port;
    } catch {
      // taken on B: try another
    }
  }
  throw new Error('no port free on both loopback addresses');
}

beforeAll(async () => {
  const storagePort = await portFreeOnBoth();
  for (const ip of [A, B]) {
    const { server, basePath } = await startEmbedded({ bindHost: ip, sourceIp: ip, storagePort, groupName: GROUP });
    bases.push(basePath);
    if (ip === A) storageA = server;
    else storageB = server;
  }
  expect(storageA.storageAddress.port).toBe(storageB.storageAddress.port);
  uploader = new CountingFdfsClient({ trackers: [storageA.trackerAddress] });
  fileId = await uploader.upload(content, { ext: 'jpg' });
  largeId = await uploader.upload(large, { ext: 'jpg' });
  expect(decodeFileId(fileId).sourceIp).toBe(A);
  clientB = new CountingFdfsClient({ trackers: [storageB.trackerAddress] });
  young = await startDownloadFront({ clients: [clientB], conf: downloadConf({ maxObjectBytes: 100_000 }) });
  // Every file is past a delay of 0: B's answer is final.
  old = await startDownloadFront({
    clients: [clientB],
    conf: downloadConf({ maxObjectBytes: 100_000, storageSyncFileMaxDelayMs: 0 }),
  });
});

afterAll(async () => {
  await young?.stop();
  await old?.stop();
  await uploader?.close();
  await clientB?.close();
  await storageA?.stop();
  await storageB?.stop();
  for (const base of bases) await removeDir(base);
});

describe('a file the named storage does not have yet', () => {
  it('B really lacks it', async () => {
    await expect(clientB.download(fileId)).rejects.toMatchObject({ code: 'FDFS_ERR_NOT_FOUND' });
  });

  it('younger than the delay: served from its source storage A (cached, then streamed)', async () => {
    const res = await rawRequest(young.base, `/download.fcgi/${fileId}`);
    expect(res.status).toBe(200);
    expect(res.body.equals(content)).toBe(true);
    expect(young.cache.peek(fileId)).toBeDefined();
    const streamed = await rawRequest(young.base, `/${largeId}`, { headers: { Range: 'bytes=1000-1999' } });
    expect(streamed.status).toBe(206);
    expect(streamed.body.equals(large.subarray(1000, 2000))).toBe(true);
  });

  it('older than the delay: 404, without asking A (which has it, and would have given 200)', async () => {
    expect((await rawRequest(old.base, `/download.fcgi/${fileId}`)).status).toBe(404);
    expect((await rawRequest(old.base, `/download.fcgi/${largeId}`)).status).toBe(404);
    expect(old.cache.peek(fileId)).toBeUndefined();
  });

  it('a file A does not have either: 404', async () => {
    const missing = fileId.replace(/.{4}\.jpg$/, 'AAAA.jpg');
    expect((await rawRequest(young.base, `/download.fcgi/${missing}`)).status).toBe(404);
  });

  it('A stopped: the young file is 503 (its source cannot be reached), not 404', async () => {
    await storageA.stop();
    expect((await rawRequest(young.base, `/download.fcgi/${largeId}`, { method: 'HEAD' })).status).toBe(503);
  });
});
