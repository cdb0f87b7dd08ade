/**
 * cs_del_svr's cmd 3030 against a real (embedded) FastDFS, a real metadata_dbsvr and recording
 * HTTP servers for the purge hook and an external cache, all in process on free ports: files are
 * gone from FastDFS, their rows removed, their ids purged; an already-gone file counts as deleted;
 * a bad entry fails alone; a purge, metadata or FastDFS failure makes that entry non-zero.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { ErrorCode, FdfsClient, FdfsError } from 'fastdfs-client-ts';
import {
  ALL_ALBUMS,
  Cmd,
  ResultCode,
  decodeBatchDeleteResponse,
  decodeMetadataListResponse,
  encodeBatchDeleteRequest,
  encodeMetadataListRequest,
  encodeMetadataRegisterRequest,
  type PicInfo,
} from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { readCsDelSvrConf } from '../../../apps/cs-del-svr/src/conf.js';
import { startCsDelSvr, type StartedCsDelSvr } from '../../../apps/cs-del-svr/src/cs-del-svr.js';
import { readMetadataDbsvrConf } from '../../../apps/metadata-dbsvr/src/conf.js';
import { startMetadataDbsvr, type StartedMetadataDbsvr } from '../../../apps/metadata-dbsvr/src/metadata-dbsvr.js';
import { HttpRecorder, deadPort } from '../../helpers/http-recorder.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';
import { confOf } from '../../helpers/shipped-conf.js';

const SECRET = 'purge-s3cret';
const silent = pino({ level: 'silent' });

let fdfsServer: EmbeddedFdfs;
let fdfsBase: string;
let fdfs: FdfsClient;
let metaDir: string;
let metadata: StartedMetadataDbsvr;
let metaClient: FrameClient;
let hook: HttpRecorder;
let cache: HttpRecorder;
let tracker: string;
let dead: number;
const started: Array<{ svr: StartedCsDelSvr; client: FrameClient }> = [];

beforeAll(async () => {
  ({ server: fdfsServer, basePath: fdfsBase } = await startEmbedded());
  tracker = `${fdfsServer.trackerAddress.host}:${fdfsServer.trackerAddress.port}`;
  fdfs = new FdfsClient({ trackers: [tracker] });
  metaDir = await mkdtemp(join(tmpdir(), 'cs-del-meta-'));
  metadata = await startMetadataDbsvr(readMetadataDbsvrConf(confOf(`port = 0\nbase_path = ${metaDir}\n`), {}), silent);
  metaClient = new FrameClient({ ...metadata.address, requestTimeoutMs: 20_000 });
  hook = await HttpRecorder.start();
  cache = await HttpRecorder.start();
  dead = await deadPort();
});

afterAll(async () => {
  for (const { svr, client } of started) {
    await client.close();
    await svr.stop();
  }
  await metaClient.close();
  await metadata.stop();
  await fdfs.close();
  await hook.stop();
  await cache.stop();
  await fdfsServer.stop();
  await removeDir(fdfsBase);
  await rm(metaDir, { recursive: true, force: true });
});

beforeEach(() => {
  hook.clear();
  cache.clear();
  hook.status = 200;
  cache.status = 200;
});

/** A cs_del_svr on a free port; `extra` conf lines override the test's defaults (later lines win). */
async function startCsDel(extra = ''): Promise<FrameClient> {
  const text = [
    'port = 0',
    `cluster_0 = ${tracker}`,
    `cluster_1 = 127.0.0.1:${dead}`,
    'connect_timeout = 2',
    'network_timeout = 5',
    `metadata_server = 127.0.0.1:${metadata.address.port}`,
    `purge_url = ${hook.url}/purge`,
    `purge_external = ${cache.url}`,
    `purge_secret = ${SECRET}`,
    extra,
  ].join('\n');
  const svr = await startCsDelSvr(readCsDelSvrConf(confOf(text), {}), silent);
  const client = new FrameClient({ ...svr.address, requestTimeoutMs: 30_000 });
  started.push({ svr, client });
  return client;
}

let uploads = 0;
/** Uploads a picture and registers its metadata row; returns its file id. */
async function stored(): Promise<string> {
  uploads++;
  const fileId = await fdfs.upload(Buffer.from(`picture ${uploads} ${'x'.repeat(uploads)}`), { ext: 'jpg' });
  const register = await metaClient.request(
    Cmd.METADATA_REGISTER,
    encodeMetadataRegisterRequest({
      uid: 500,
      albumid: 1,
      hostid: 0,
      fdfsUrl: fileId,
      name: 'a.jpg',
      type: 'jpg',
      size: 10,
      width: 1,
      height: 1,
      time: 0,
    }),
  );
  expect(register.ret).toBe(0);
  return fileId;
}

async function batchDelete(client: FrameClient, pics: PicInfo[]): Promise<{ ret: number; results: number[] }> {
  const response = await client.request(Cmd.BATCH_DELETE, encodeBatchDeleteRequest(pics));
  return { ret: response.ret, results: decodeBatchDeleteResponse(response.body) };
}

async function existsInFastdfs(fileId: string): Promise<boolean> {
  try {
    await fdfs.download(fileId);
    return true;
  } catch (err) {
    if (err instanceof FdfsError && err.code === ErrorCode.NOT_FOUND) return false;
    throw err;
  }
}

async function rowFileIds(): Promise<string[]> {
  const response = await metaClient.request(
    Cmd.METADATA_LIST,
    encodeMetadataListRequest({ uid: 500, albumid: ALL_ALBUMS, beforePhotoid: 0, limit: 100 }),
  );
  return decodeMetadataListResponse(response.body).rows.map((row) => row.fdfsUrl);
}

const at0 = (url: string): PicInfo => ({ hostid: 0, url });

describe('cs_del_svr cmd 3030', () => {
  it('deletes each file from FastDFS, removes its row, purges it from the hook and the external cache', async () => {
    const client = await startCsDel();
    const ids = [await stored(), await stored(), await stored()];
    expect(await rowFileIds()).toEqual(expect.arrayContaining(ids));

    // One entry in URL form (the nginx module's /<group>/M00/...): the file id is taken from its path.
    const pics = [at0(ids[0] as string), at0(`/${ids[1]}`), at0(ids[2] as string)];
    expect(await batchDelete(client, pics)).toEqual({ ret: 0, results: [0, 0, 0] });

    for (const id of ids) expect(await existsInFastdfs(id)).toBe(false);
    for (const id of ids) expect(await rowFileIds()).not.toContain(id);

    expect(hook.requests).toHaveLength(1);
    const [post] = hook.requests;
    expect(post?.method).toBe('POST');
    expect(post?.url).toBe('/purge');
    expect(post?.headers['x-purge-secret']).toBe(SECRET);
    expect(post?.headers['content-type']).toBe('application/json');
    expect((JSON.parse(post?.body ?? '') as { files: string[] }).files.sort()).toEqual([...ids].sort());

    expect(cache.requests.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      ids.map((id) => `PURGE /download.fcgi/${id}`).sort(),
    );
    // The secret is for the front's hook only.
    for (const r of cache.requests) expect(r.headers['x-purge-secret']).toBeUndefined();
  });

  it('counts a file that is already gone as deleted (and still purges it)', async () => {
    const client = await startCsDel();
    const id = await stored();
    expect(await batchDelete(client, [at0(id)])).toEqual({ ret: 0, results: [0] });
    hook.clear();
    expect(await batchDelete(client, [at0(id), at0(id)])).toEqual({ ret: 0, results: [0, 0] });
    expect(JSON.parse(hook.requests[0]?.body ?? '')).toEqual({ files: [id] });
  });

  it('answers a bad entry with its own code and still deletes the others', async () => {
    const client = await startCsDel();
    const [a, b] = [await stored(), await stored()];
    // A path escape, a hostid with no cluster, a group cluster 0 does not have.
    const otherGroup = `group9/M00/00/00/${'Z'.repeat(27)}000.jpg`;
    const pics: PicInfo[] = [
      at0(a),
      at0('g01/M00/../../../etc/passwd'),
      { hostid: 9, url: b },
      at0(otherGroup),
      at0(b),
    ];
    const BAD = ResultCode.BAD_ARGUMENT;
    expect(await batchDelete(client, pics)).toEqual({ ret: ResultCode.PARTIAL, results: [0, BAD, BAD, BAD, 0] });
    expect(await existsInFastdfs(a)).toBe(false);
    expect(await existsInFastdfs(b)).toBe(false);
    expect(JSON.parse(hook.requests[0]?.body ?? '').files.sort()).toEqual([a, b].sort());
  });

  it('a cluster whose tracker is down is STORAGE_UNAVAILABLE for its entries only, nothing else done', async () => {
    const client = await startCsDel();
    const a = await stored();
    const elsewhere = `group1/M00/00/00/${'Z'.repeat(27)}000.jpg`;
    expect(await batchDelete(client, [{ hostid: 1, url: elsewhere }, at0(a)])).toEqual({
      ret: ResultCode.PARTIAL,
      results: [ResultCode.STORAGE_UNAVAILABLE, 0],
    });
    expect(JSON.parse(hook.requests[0]?.body ?? '')).toEqual({ files: [a] });
    expect(cache.requests.map((r) => r.url)).toEqual([`/download.fcgi/${a}`]);
  });

  it('a purge hook answering 503 makes every entry of the batch BACKEND_UNAVAILABLE; the retry finishes them', async () => {
    const client = await startCsDel();
    const ids = [await stored(), await stored()];
    hook.status = 503;
    expect(await batchDelete(client, ids.map(at0))).toEqual({
      ret: ResultCode.PARTIAL,
      results: [ResultCode.BACKEND_UNAVAILABLE, ResultCode.BACKEND_UNAVAILABLE],
    });
    // Deleted and unregistered all the same: only the purge is owed.
    for (const id of ids) expect(await existsInFastdfs(id)).toBe(false);
    for (const id of ids) expect(await rowFileIds()).not.toContain(id);
    hook.status = 200;
    expect(await batchDelete(client, ids.map(at0))).toEqual({ ret: 0, results: [0, 0] });
  });

  it('an unreachable purge hook or external cache fails the entries it did not purge', async () => {
    const client = await startCsDel(`purge_url = http://127.0.0.1:${dead}/purge`);
    const id = await stored();
    expect(await batchDelete(client, [at0(id)])).toEqual({ ret: ResultCode.PARTIAL, results: [1010] });
    expect(await existsInFastdfs(id)).toBe(false);

    const second = await startCsDel(`purge_external = http://127.0.0.1:${dead}`);
    const other = await stored();
    expect(await batchDelete(second, [at0(other)])).toEqual({ ret: ResultCode.PARTIAL, results: [1010] });
    // An external cache answering 404 held nothing: purged.
    cache.status = 404;
    const third = await startCsDel();
    expect(await batchDelete(third, [at0(await stored())])).toEqual({ ret: 0, results: [0] });
  });

  it('metadata_dbsvr down: deleted and purged, but BACKEND_UNAVAILABLE; no metadata_server: rows untouched', async () => {
    const down = await startCsDel(`metadata_server = 127.0.0.1:${dead}`);
    const id = await stored();
    expect(await batchDelete(down, [at0(id)])).toEqual({ ret: ResultCode.PARTIAL, results: [1010] });
    expect(await existsInFastdfs(id)).toBe(false);
    expect(JSON.parse(hook.requests[0]?.body ?? '')).toEqual({ files: [id] });
    expect(await rowFileIds()).toContain(id);

    const none = await startCsDel('metadata_server =');
    const kept = await stored();
    expect(await batchDelete(none, [at0(kept)])).toEqual({ ret: 0, results: [0] });
    expect(await rowFileIds()).toContain(kept);
  });

  it('a bad body is a header-only 1001, a count of 0 is 1003, and the server keeps serving', async () => {
    const client = await startCsDel();
    const good = encodeBatchDeleteRequest([at0(await stored())]);
    const short = await client.request(Cmd.BATCH_DELETE, good.subarray(0, good.length - 1));
    expect([short.ret, short.body.length]).toEqual([ResultCode.BAD_BODY, 0]);
    const zero = await client.request(Cmd.BATCH_DELETE, Buffer.alloc(4));
    expect([zero.ret, zero.body.length]).toEqual([ResultCode.BAD_ARGUMENT, 0]);
    const ok = await client.request(Cmd.BATCH_DELETE, good);
    expect(decodeBatchDeleteResponse(ok.body)).toEqual([0]);
  });

  it('deletes a batch of 40 with delete_concurrency 3: one hook POST, one PURGE per file', async () => {
    const client = await startCsDel('delete_concurrency = 3');
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await stored());
    const { ret, results } = await batchDelete(client, ids.map(at0));
    expect(ret).toBe(0);
    expect(results).toEqual(ids.map(() => 0));
    for (const id of ids) expect(await existsInFastdfs(id)).toBe(false);
    expect(hook.requests).toHaveLength(1);
    expect(cache.requests).toHaveLength(40);
  });
});
