/**
 * download / downloadStream / queryFileInfo with `storage`: the read goes to that storage, with
 * no tracker query and no read routing (the front's replication-delay path reads a young file
 * from its source storage this way). upload / uploadAppender with `target`: the file goes to that
 * storage with no tracker query (a queryStore() answer got earlier, as cut_svr asks while it
 * crops). Shown with a client whose only tracker does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno } from 'fastdfs-protocol';
import { FdfsClient, InvalidArgumentError, StatusError } from 'fastdfs-client-ts';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { unusedPort } from '../../helpers/fake-fdfs-server.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

let fdfs: EmbeddedFdfs;
let basePath: string;
let uploader: FdfsClient;
/** Its only tracker is a port nothing listens on: any tracker query fails. */
let trackerless: FdfsClient;
let fileId: string;
const content = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 251));

beforeAll(async () => {
  ({ server: fdfs, basePath } = await startEmbedded());
  uploader = new FdfsClient({ trackers: [fdfs.trackerAddress] });
  fileId = await uploader.upload(content, { ext: 'bin' });
  trackerless = new FdfsClient({ trackers: [`127.0.0.1:${await unusedPort()}`], connectTimeout: 2_000 });
});

afterAll(async () => {
  await uploader?.close();
  await trackerless?.close();
  await fdfs?.stop();
  await removeDir(basePath);
});

describe('reads from a named storage', () => {
  it('the tracker is really unreachable: a routed read fails', async () => {
    await expect(trackerless.download(fileId)).rejects.toMatchObject({ code: 'FDFS_ERR_NO_TRACKER' });
  });

  it('download, whole and ranged, given { host, port } or "host:port"', async () => {
    const storage = fdfs.storageAddress;
    expect(await trackerless.download(fileId, { storage })).toEqual(content);
    const text = `${storage.host}:${storage.port}`;
    expect(await trackerless.download(fileId, { storage: text, offset: 10, length: 1000 })).toEqual(
      content.subarray(10, 1010),
    );
  });

  it('downloadStream, with contentLength up front', async () => {
    const stream = await trackerless.downloadStream(fileId, { storage: fdfs.storageAddress, offset: 99_000 });
    expect(stream.contentLength).toBe(1000);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(content.subarray(99_000));
  });

  it('queryFileInfo', async () => {
    const info = await trackerless.queryFileInfo(fileId, { storage: fdfs.storageAddress, computeCrc32: false });
    expect(info.fileSize).toBe(content.length);
  });

  it("that storage's ENOENT stands: no tracker is asked instead", async () => {
    await uploader.delete(await uploader.upload(Buffer.from('x'), { ext: 'bin' })); // the store is in use
    const missing = fileId.replace(/.{6}\.bin$/, 'AAAAAA.bin');
    const err = await trackerless.download(missing, { storage: fdfs.storageAddress }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).status).toBe(Errno.ENOENT);
  });

  it.each([
    ['not host:port', 'nohost', /range\.storage "nohost" must be host:port/],
    ['port 0', '127.0.0.1:0', /range\.storage "127\.0\.0\.1:0": port must be 1-65535/],
    ['an empty host', { host: '', port: 23000 }, /range\.storage\.host must be a host name or IP address/],
    ['a port out of range', { host: '127.0.0.1', port: 70000 }, /range\.storage\.port must be an integer 1-65535/],
    ['a number', 23000, /range\.storage must be "host:port" or \{ host, port \}/],
  ])('refuses %s before any I/O', async (_what, storage, message) => {
    const bad = storage as unknown as string;
    for (const read of [
      () => trackerless.download(fileId, { storage: bad }),
      () => trackerless.downloadStream(fileId, { storage: bad }),
    ]) {
      const err = await read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(message);
    }
    const err = await trackerless.queryFileInfo(fileId, { storage: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(new RegExp(message.source.replace('range', 'options')));
  });
});

describe('uploads to a given storage', () => {
  it('the tracker is really unreachable: an upload that asks it fails', async () => {
    await expect(trackerless.upload(content, { ext: 'bin' })).rejects.toMatchObject({ code: 'FDFS_ERR_NO_TRACKER' });
  });

  it('upload and uploadAppender store on the target without a tracker, group and all', async () => {
    const target = await uploader.queryStore();
    const stored = await trackerless.upload(content, { ext: 'jpg', target });
    expect(stored.startsWith(`${target.group}/`)).toBe(true);
    expect(await uploader.download(stored)).toEqual(content);
    const appender = await trackerless.uploadAppender(content.subarray(0, 100), { target, group: target.group });
    await uploader.append(appender, content.subarray(100, 200));
    expect(await uploader.download(appender)).toEqual(content.subarray(0, 200));
  });

  it('a target whose storage is gone fails that upload; nothing else is asked', async () => {
    const target = { ...(await uploader.queryStore()), port: await unusedPort() };
    await expect(trackerless.upload(content, { target })).rejects.toMatchObject({ code: 'FDFS_ERR_CONNECT' });
  });
});
