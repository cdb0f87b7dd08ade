/**
 * Direct reads (options.directReads): downloads and file-info queries routed from the group's
 * cached storage list (tracker LIST_STORAGE) by the tracker's own rule, counted on scripted
 * trackers and storages (FakeFdfsServer), and on the embedded FastDFS behind a counting proxy.
 */
import { createServer, type AddressInfo, type Server, type Socket, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectError, ErrorCode, FdfsClient, type FdfsClientOptions, StatusError } from 'fastdfs-client-ts';
import {
  buildRemoteFilename,
  buildSlaveFilename,
  Cmd,
  CONNECTION_FIELDS,
  decodeDownloadRequest,
  decodeGroupFile,
  encodeFetchResponse,
  encodeFileInfoResponse,
  encodeStorageStat,
  Errno,
  FRAME_FORMAT,
  STAT_FIELDS,
  type StorageCounters,
  StorageStatus,
} from 'fastdfs-protocol';
import { FrameReader } from '@pic-storage/framing';
import { FakeFdfsServer, type FakeRequest, unusedPort } from '../../helpers/fake-fdfs-server.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

const NOW = () => Math.floor(Date.now() / 1000);
const TWO_DAYS = 2 * 86_400;

interface StorageSpec {
  /** Storage id as the tracker lists it; numeric ids are what `fileId({ source: n })` names. */
  id: string;
  ip?: string;
  port: number;
  status?: number;
  rwMode?: number;
  lastSyncedTimestamp?: number;
}

function counters(lastSyncedTimestamp = 0): StorageCounters {
  const c = {} as StorageCounters;
  for (const name of CONNECTION_FIELDS) c[name] = 0;
  for (const name of STAT_FIELDS) c[name] = 0;
  c.lastSyncedTimestamp = lastSyncedTimestamp;
  return c;
}

/** The LIST_STORAGE reply body for `storages` (the 6.16 layout, 16-byte IPs). */
function storageList(storages: StorageSpec[]): Buffer {
  return Buffer.concat(
    storages.map((s) =>
      encodeStorageStat({
        status: s.status ?? StorageStatus.ACTIVE,
        rwMode: s.rwMode ?? 6,
        id: s.id,
        ip: s.ip ?? '127.0.0.1',
        srcId: '',
        version: '6.16.1',
        joinTime: 0,
        upTime: 0,
        totalMb: 100,
        freeMb: 50,
        reservedMb: 0,
        uploadPriority: 10,
        storePathCount: 1,
        subdirCountPerPath: 256,
        currentWritePath: 0,
        storagePort: s.port,
        ifTrunkServer: false,
        counters: counters(s.lastSyncedTimestamp),
      }),
    ),
  );
}

/** A file id as a storage names it: source (IPv4 or numeric storage id), creation time. */
function fileId(source: string | number, createTimestamp: number, appender = false): string {
  const name = buildRemoteFilename({
    source,
    createTimestamp,
    fileSize: appender ? 0 : 5,
    crc32: 0,
    appender,
    ext: 'bin',
    storePathIndex: 0,
    subdirHigh: 0,
    subdirLow: 0,
  });
  return `group1/${name}`;
}

const servers: FakeFdfsServer[] = [];
const clients: FdfsClient[] = [];
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.close();
  for (const close of closers.splice(0)) await close();
});

async function fake(handler: ConstructorParameters<typeof FakeFdfsServer>[0]): Promise<FakeFdfsServer> {
  const server = new FakeFdfsServer(handler);
  await server.listen();
  servers.push(server);
  return server;
}

/**
 * A storage serving `files` (file id → content) to DOWNLOAD and QUERY_FILE_INFO; any other file
 * is ENOENT, as a storage that has not received it (yet) answers.
 */
async function storage(files: Map<string, Buffer>): Promise<FakeFdfsServer> {
  return fake((req) => {
    if (req.cmd === Cmd.DOWNLOAD_FILE) {
      const { group, filename } = decodeDownloadRequest(req.body);
      const content = files.get(`${group}/${filename}`);
      return content === undefined ? { reply: Buffer.alloc(0), status: Errno.ENOENT } : { reply: content };
    }
    if (req.cmd === Cmd.QUERY_FILE_INFO) {
      const { group, filename } = decodeGroupFile(req.body);
      const content = files.get(`${group}/${filename}`);
      if (content === undefined) return { reply: Buffer.alloc(0), status: Errno.ENOENT };
      return {
        reply: encodeFileInfoResponse({ fileSize: content.length, createTimestamp: 1, crc32: 7, sourceIp: '' }),
      };
    }
    return { close: true };
  });
}

/** A tracker listing `storages()` for group1 and naming `fetchTarget()` to QUERY_FETCH_ONE. */
async function tracker(
  storages: () => StorageSpec[],
  fetchTarget: () => number,
  list: (req: FakeRequest) => { reply: Buffer; status?: number } | { close: true } | undefined = () => undefined,
): Promise<FakeFdfsServer> {
  return fake((req) => {
    if (req.cmd === Cmd.SERVER_LIST_STORAGE) return list(req) ?? { reply: storageList(storages()) };
    if (req.cmd === Cmd.QUERY_FETCH_ONE) {
      const target = { host: '127.0.0.1', port: fetchTarget() };
      return { reply: encodeFetchResponse({ group: 'group1', storages: [target] }, 16) };
    }
    return { close: true };
  });
}

function client(trackerServer: FakeFdfsServer, options: Partial<FdfsClientOptions> = {}): FdfsClient {
  const c = new FdfsClient({
    trackers: [trackerServer.address],
    connectTimeout: 1000,
    networkTimeout: 3000,
    ...options,
  });
  clients.push(c);
  return c;
}

/** One storage at 127.0.0.1 holding `id` ('hello'), and a tracker that lists it and names it for fetches. */
async function oneStorage(id: string): Promise<{ s1: FakeFdfsServer; t: FakeFdfsServer }> {
  const s1 = await storage(new Map([[id, Buffer.from('hello')]]));
  const t = await tracker(
    () => [{ id: '127.0.0.1', port: s1.port }],
    () => s1.port,
  );
  return { s1, t };
}

const cmds = (server: FakeFdfsServer): number[] => server.requests.map((r) => r.cmd);
const downloadsOn = (server: FakeFdfsServer): number =>
  server.requests.filter((r) => r.cmd === Cmd.DOWNLOAD_FILE).length;

describe('direct reads: one storage, IP in the file id', () => {
  it('asks the tracker once for the storage list, then reads straight from the storage', async () => {
    const id = fileId('127.0.0.1', NOW());
    const { s1, t } = await oneStorage(id);
    const c = client(t);
    for (let i = 0; i < 3; i++) expect((await c.download(id)).toString()).toBe('hello');
    const stream = await c.downloadStream(id);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(await c.queryFileInfo(id)).toMatchObject({ fileSize: 5, crc32: 7 });
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE]);
    expect(cmds(s1)).toEqual([Cmd.DOWNLOAD_FILE, Cmd.DOWNLOAD_FILE, Cmd.DOWNLOAD_FILE, Cmd.DOWNLOAD_FILE, 22]);
  });

  it('directReads: false asks QUERY_FETCH_ONE for every read, as the C client does', async () => {
    const id = fileId('127.0.0.1', NOW());
    const { t } = await oneStorage(id);
    const c = client(t, { directReads: false });
    for (let i = 0; i < 3; i++) expect((await c.download(id)).toString()).toBe('hello');
    await c.queryFileInfo(id);
    expect(cmds(t)).toEqual([Cmd.QUERY_FETCH_ONE, Cmd.QUERY_FETCH_ONE, Cmd.QUERY_FETCH_ONE, Cmd.QUERY_FETCH_ONE]);
  });

  it('concurrent first reads share one LIST_STORAGE', async () => {
    const id = fileId('127.0.0.1', NOW());
    const { s1, t } = await oneStorage(id);
    const c = client(t);
    await Promise.all(Array.from({ length: 8 }, () => c.download(id)));
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE]);
    expect(downloadsOn(s1)).toBe(8);
  });

  it('fetches the list again once storageListTtl has passed', async () => {
    const id = fileId('127.0.0.1', NOW());
    const { t } = await oneStorage(id);
    const c = client(t, { storageListTtl: 150 });
    await c.download(id);
    await c.download(id);
    await new Promise((r) => setTimeout(r, 300));
    await c.download(id);
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE, Cmd.SERVER_LIST_STORAGE]);
  });

  it('asks the tracker when the source of a young file is not in the list', async () => {
    const id = fileId('10.9.9.9', NOW());
    const { t } = await oneStorage(id);
    const c = client(t);
    expect((await c.download(id)).toString()).toBe('hello');
    expect((await c.download(id)).toString()).toBe('hello');
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE, Cmd.QUERY_FETCH_ONE, Cmd.QUERY_FETCH_ONE]);
  });

  it("the source's ENOENT is final: no tracker query after it", async () => {
    const id = fileId('127.0.0.1', NOW());
    const s1 = await storage(new Map());
    const t = await tracker(
      () => [{ id: '127.0.0.1', port: s1.port }],
      () => s1.port,
    );
    const c = client(t);
    const err = await c.download(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect(err).toMatchObject({ code: ErrorCode.NOT_FOUND, status: Errno.ENOENT });
    await expect(c.queryFileInfo(id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE]);
    expect(cmds(s1)).toEqual([Cmd.DOWNLOAD_FILE, Cmd.QUERY_FILE_INFO]);
  });

  it("a storage that refuses connections drops the list; the read goes the tracker's way", async () => {
    const id = fileId('127.0.0.1', NOW());
    const real = await storage(new Map([[id, Buffer.from('moved')]]));
    const gone = await unusedPort();
    const t = await tracker(
      () => [{ id: '127.0.0.1', port: gone }],
      () => real.port,
    );
    const c = client(t);
    expect((await c.download(id)).toString()).toBe('moved');
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE, Cmd.QUERY_FETCH_ONE]);
    // The list was dropped: the next read fetches it again (and fails over again).
    expect((await c.download(id)).toString()).toBe('moved');
    expect(cmds(t)).toEqual([
      Cmd.SERVER_LIST_STORAGE,
      Cmd.QUERY_FETCH_ONE,
      Cmd.SERVER_LIST_STORAGE,
      Cmd.QUERY_FETCH_ONE,
    ]);
  });

  it('when the tracker names the storage that refused, its ConnectError is the answer (no second try)', async () => {
    const id = fileId('127.0.0.1', NOW());
    const gone = await unusedPort();
    const t = await tracker(
      () => [{ id: '127.0.0.1', port: gone }],
      () => gone,
    );
    const c = client(t);
    const err = await c.download(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).address).toBe(`127.0.0.1:${gone}`);
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE, Cmd.QUERY_FETCH_ONE]);
  });

  it.each([
    ['an error status', { reply: Buffer.alloc(0), status: Errno.ENOENT }],
    ['a closed connection', { close: true as const }],
    ['a malformed list', { reply: Buffer.alloc(39) }],
  ])(
    'a tracker that answers LIST_STORAGE with %s gets QUERY_FETCH_ONE, and no second list within the TTL',
    async (_what, answer) => {
      const id = fileId('127.0.0.1', NOW());
      const s1 = await storage(new Map([[id, Buffer.from('hello')]]));
      const t = await tracker(
        () => [],
        () => s1.port,
        () => answer,
      );
      const c = client(t);
      for (let i = 0; i < 3; i++) expect((await c.download(id)).toString()).toBe('hello');
      expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE, Cmd.QUERY_FETCH_ONE, Cmd.QUERY_FETCH_ONE, Cmd.QUERY_FETCH_ONE]);
    },
  );
});

describe('direct reads: a group of several storages (storage ids in file ids)', () => {
  /** S1 (id 100001), S2 (100002) ACTIVE; S3 OFFLINE; S4 write-only. Each has every file. */
  async function group(s2LastSynced = 0) {
    const files = new Map<string, Buffer>();
    const [s1, s2, s3, s4] = await Promise.all([storage(files), storage(files), storage(files), storage(files)]);
    const list: StorageSpec[] = [
      { id: '100001', port: s1.port },
      { id: '100002', port: s2.port, lastSyncedTimestamp: s2LastSynced },
      { id: '100003', port: s3.port, status: StorageStatus.OFFLINE },
      { id: '100004', port: s4.port, rwMode: 2 },
    ];
    const t = await tracker(
      () => list,
      () => s1.port,
    );
    return { files, s1, s2, s3, s4, t, c: client(t) };
  }

  it('a young file is read from its source only', async () => {
    const { files, s1, s2, t, c } = await group();
    const id = fileId(100002, NOW());
    files.set(id, Buffer.from('young'));
    for (let i = 0; i < 4; i++) expect((await c.download(id)).toString()).toBe('young');
    expect([downloadsOn(s1), downloadsOn(s2)]).toEqual([0, 4]);
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE]);
  });

  it('a file older than storageSyncFileMaxDelay is read round robin from every ACTIVE readable storage', async () => {
    const { files, s1, s2, s3, s4, t, c } = await group();
    const id = fileId(100002, NOW() - TWO_DAYS);
    files.set(id, Buffer.from('old'));
    for (let i = 0; i < 6; i++) expect((await c.download(id)).toString()).toBe('old');
    expect([downloadsOn(s1), downloadsOn(s2), downloadsOn(s3), downloadsOn(s4)]).toEqual([3, 3, 0, 0]);
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE]);
  });

  it('storageSyncFileMaxDelay decides what is old', async () => {
    const files = new Map<string, Buffer>();
    const [s1, s2] = await Promise.all([storage(files), storage(files)]);
    const t = await tracker(
      () => [
        { id: '100001', port: s1.port },
        { id: '100002', port: s2.port },
      ],
      () => s1.port,
    );
    const id = fileId(100002, NOW() - 600);
    files.set(id, Buffer.from('ten minutes'));
    const strict = client(t, { storageSyncFileMaxDelay: 300_000 });
    for (let i = 0; i < 4; i++) await strict.download(id);
    expect([downloadsOn(s1), downloadsOn(s2)]).toEqual([2, 2]);
    const lenient = client(t); // 86400 s: ten minutes is young
    for (let i = 0; i < 4; i++) await lenient.download(id);
    expect([downloadsOn(s1), downloadsOn(s2)]).toEqual([2, 6]);
  });

  it('a young file is also read from a storage whose last_synced_timestamp is past its creation', async () => {
    const created = NOW() - 60;
    const { files, s1, s2, c } = await group(created + 1);
    const id = fileId(100001, created);
    files.set(id, Buffer.from('synced'));
    for (let i = 0; i < 4; i++) await c.download(id);
    expect([downloadsOn(s1), downloadsOn(s2)]).toEqual([2, 2]);
  });

  it('appender and slave files are read from their source only, however old', async () => {
    const { files, s1, s2, c } = await group();
    const appender = fileId(100001, NOW() - TWO_DAYS, true);
    const master = fileId(100001, NOW() - TWO_DAYS);
    const slave = `group1/${buildSlaveFilename(master.slice('group1/'.length), '_s', 'jpg')}`;
    files.set(appender, Buffer.from('appender'));
    files.set(slave, Buffer.from('slave'));
    for (let i = 0; i < 3; i++) {
      expect((await c.download(appender)).toString()).toBe('appender');
      expect((await c.download(slave)).toString()).toBe('slave');
    }
    expect([downloadsOn(s1), downloadsOn(s2)]).toEqual([6, 0]);
  });

  it('a young file whose source is not ACTIVE asks the tracker', async () => {
    const { files, s1, s3, t, c } = await group();
    const id = fileId(100003, NOW());
    files.set(id, Buffer.from('from s1'));
    expect((await c.download(id)).toString()).toBe('from s1');
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE, Cmd.QUERY_FETCH_ONE]);
    expect([downloadsOn(s1), downloadsOn(s3)]).toEqual([1, 0]);
  });

  it("ENOENT from a storage that is not the source (not synced yet) goes to the tracker's storage", async () => {
    const lagging = new Map<string, Buffer>();
    const complete = new Map<string, Buffer>();
    const [s1, s2] = await Promise.all([storage(complete), storage(lagging)]);
    const t = await tracker(
      () => [
        { id: '100001', port: s1.port },
        { id: '100002', port: s2.port },
      ],
      () => s1.port,
    );
    const c = client(t);
    const id = fileId(100001, NOW() - TWO_DAYS);
    complete.set(id, Buffer.from('here'));
    for (let i = 0; i < 4; i++) expect((await c.download(id)).toString()).toBe('here');
    // Round robin sent two of the four reads to S2, which answered ENOENT: each asked the tracker.
    expect(downloadsOn(s2)).toBe(2);
    expect(cmds(t)).toEqual([Cmd.SERVER_LIST_STORAGE, Cmd.QUERY_FETCH_ONE, Cmd.QUERY_FETCH_ONE]);
  });
});

/** A TCP proxy in front of `target` that counts the request frames going through it, by cmd. */
async function countingProxy(target: { host: string; port: number }): Promise<{ port: number; cmds: number[] }> {
  const seen: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const frames = new FrameReader(FRAME_FORMAT, { maxBody: Number.MAX_SAFE_INTEGER });
    client.on('data', (chunk: Buffer) => {
      for (const event of frames.push(chunk)) if (event.type === 'frame') seen.push(event.header.cmd);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as AddressInfo).port, cmds: seen };
}

describe('direct reads on the embedded FastDFS', () => {
  it('downloads and file info after an upload send one LIST_STORAGE to the tracker and no QUERY_FETCH_ONE', async () => {
    const { server, basePath } = await startEmbedded();
    closers.push(async () => {
      await server.stop();
      await removeDir(basePath);
    });
    const proxy = await countingProxy({ host: '127.0.0.1', port: server.trackerAddress.port });
    const c = new FdfsClient({ trackers: [`127.0.0.1:${proxy.port}`] });
    clients.push(c);
    const content = Buffer.from('direct from the embedded storage');
    const ids = await Promise.all(Array.from({ length: 4 }, () => c.upload(content, { ext: 'txt' })));
    for (const id of ids) {
      expect(await c.download(id)).toEqual(content);
      expect(await c.download(id, { offset: 7, length: 4 })).toEqual(content.subarray(7, 11));
      expect((await c.queryFileInfo(id)).fileSize).toBe(content.length);
    }
    await c.delete(ids[0] as string);
    await expect(c.download(ids[0] as string)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    const tracker = proxy.cmds.filter((cmd) => cmd !== Cmd.QUERY_STORE_WITHOUT_GROUP_ONE && cmd !== Cmd.QUERY_UPDATE);
    expect(tracker).toEqual([Cmd.SERVER_LIST_STORAGE]);
    expect(proxy.cmds.filter((cmd) => cmd === Cmd.QUERY_STORE_WITHOUT_GROUP_ONE)).toHaveLength(4);
  });
});
