/**
 * BatchDeleter with a stand-in FastDFS client: how many deletes run at once, how each FastDFS
 * error maps to a per-file code, and that a batch whose client went away starts no more deletes.
 */
import { describe, expect, it } from 'vitest';
import { ConnectError, ErrorCode, FdfsError, NoTrackerError, StatusError } from 'fastdfs-client-ts';
import { ResultCode, ResultError, type PicInfo } from '@pic-storage/frame-protocol';
import { BatchDeleter } from '../../../apps/cs-del-svr/src/batch-deleter.js';
import { CachePurger } from '@pic-storage/cache-purge';

const noPurge = new CachePurger({ hookUrls: [], externalBases: [], timeoutMs: 1000, concurrency: 1 });
const quiet = { info() {}, warn() {} };
const fileId = (i: number) => `group1/M00/00/00/${String(i).padStart(27, 'Q')}000.jpg`;
const pics = (n: number): PicInfo[] => Array.from({ length: n }, (_, i) => ({ hostid: 0, url: fileId(i) }));

function deleter(remove: (fileId: string) => Promise<void>, concurrency = 8): BatchDeleter {
  return new BatchDeleter({
    fdfsClient: (hostid) => {
      if (hostid !== 0) throw new ResultError(ResultCode.BAD_ARGUMENT, `no cluster with hostid ${hostid}`);
      return { delete: remove };
    },
    metadata: undefined,
    purger: noPurge,
    concurrency,
    logger: quiet,
  });
}

describe('BatchDeleter', () => {
  it('runs at most delete_concurrency deletes at once and deletes every file', async () => {
    let running = 0;
    let most = 0;
    const done: string[] = [];
    const results = await deleter(async (id) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      done.push(id);
    }, 3).deleteBatch(pics(20));
    expect(most).toBe(3);
    expect(results).toEqual(Array(20).fill(0));
    expect(done.sort()).toEqual(
      pics(20)
        .map((p) => p.url)
        .sort(),
    );
  });

  it('maps FastDFS errors: storage not found 0, transport and server errors 1005, unknown hostid or group 1003', async () => {
    const errors: Record<string, Error> = {
      [fileId(0)]: new StatusError(2, 'delete', '127.0.0.1:23000'), // ENOENT: already gone
      [fileId(1)]: new ConnectError('127.0.0.1:23000', new Error('ECONNREFUSED')),
      [fileId(2)]: new NoTrackerError([{ address: '127.0.0.1:22122', error: new Error('ECONNREFUSED') }]),
      [fileId(3)]: new StatusError(5, 'delete', '127.0.0.1:23000'), // EIO
      [fileId(4)]: new FdfsError(ErrorCode.NETWORK_TIMEOUT, 'timed out'),
      [fileId(7)]: new StatusError(2, 'query update', '127.0.0.1:22122'), // the tracker has no such group
    };
    const batch = [...pics(5), { hostid: 3, url: fileId(5) }, { hostid: 0, url: fileId(6) }, ...pics(8).slice(7)];
    const results = await deleter(async (id) => {
      const err = errors[id];
      if (err !== undefined) throw err;
    }).deleteBatch(batch);
    const U = ResultCode.STORAGE_UNAVAILABLE;
    expect(results).toEqual([0, U, U, U, U, ResultCode.BAD_ARGUMENT, 0, ResultCode.BAD_ARGUMENT]);
  });

  it('starts no more deletes once the request is aborted (the client went away)', async () => {
    const abort = new AbortController();
    let calls = 0;
    await deleter(async () => {
      calls++;
      if (calls === 4) abort.abort();
    }, 2).deleteBatch(pics(50), abort.signal);
    expect(calls).toBeLessThanOrEqual(5);
  });
});
