/**
 * upload / uploadAppender with `target`: the file goes to that storage with no tracker query (a
 * queryStore() answer got earlier, as cut_svr asks while it crops). Shown with a client whose only
 * tracker does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FdfsClient } from 'fastdfs-client-ts';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { unusedPort } from '../../helpers/fake-fdfs-server.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

let fdfs: EmbeddedFdfs;
let basePath: string;
let client: FdfsClient;
/** Its only tracker is a port nothing listens on: any tracker query fails. */
let trackerless: FdfsClient;
const content = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 13) % 251));

beforeAll(async () => {
  ({ server: fdfs, basePath } = await startEmbedded());
  client = new FdfsClient({ trackers: [fdfs.trackerAddress] });
  trackerless = new FdfsClient({ trackers: [`127.0.0.1:${await unusedPort()}`], connectTimeout: 2_000 });
});

afterAll(async () => {
  await client?.close();
  await trackerless?.close();
  await fdfs?.stop();
  await removeDir(basePath);
});

describe('uploads to a given storage', () => {
  it('the tracker is really unreachable: an upload that asks it fails', async () => {
    await expect(trackerless.upload(content, { ext: 'bin' })).rejects.toMatchObject({ code: 'FDFS_ERR_NO_TRACKER' });
  });

  it('upload and uploadAppender store on the target without a tracker, group and all', async () => {
    const target = await client.queryStore();
    const fileId = await trackerless.upload(content, { ext: 'jpg', target });
    expect(fileId.startsWith(`${target.group}/`)).toBe(true);
    expect(await client.download(fileId)).toEqual(content);
    const appender = await trackerless.uploadAppender(content.subarray(0, 100), { target, group: target.group });
    await client.append(appender, content.subarray(100, 200));
    expect(await client.download(appender)).toEqual(content.subarray(0, 200));
  });

  it('a target whose storage is gone fails that upload; nothing else is asked', async () => {
    const target = { ...(await client.queryStore()), port: await unusedPort() };
    await expect(trackerless.upload(content, { target })).rejects.toMatchObject({ code: 'FDFS_ERR_CONNECT' });
  });
});
