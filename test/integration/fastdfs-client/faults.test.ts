import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  ErrorCode,
  FdfsClient,
  FdfsError,
  InvalidFileIdError,
  NoTrackerError,
  ProtocolError,
} from 'fastdfs-client-ts';
import { Cmd, encodeFetchResponse, encodeGroupStat, encodeStoreOneResponse, type GroupStat } from 'fastdfs-protocol';
import { ConnectionPool } from '../../../libs/fastdfs-client-ts/src/net/pool.js';
import { FakeFdfsServer, unusedPort } from '../../helpers/fake-fdfs-server.js';

const GROUP: GroupStat = {
  group: 'group1',
  totalMb: 100,
  freeMb: 50,
  reservedMb: 1,
  trunkFreeMb: 0,
  storageCount: 1,
  storagePort: 23000,
  readableServerCount: 1,
  writableServerCount: 1,
  currentWriteServer: 0,
  storePathCount: 1,
  subdirCountPerPath: 256,
  currentTrunkFileId: -1,
};
const groupReply = () => ({ reply: encodeGroupStat(GROUP) });
const FILE_ID = 'group1/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin';

const servers: FakeFdfsServer[] = [];
const clients: FdfsClient[] = [];
const pools: ConnectionPool[] = [];

async function fake(handler: ConstructorParameters<typeof FakeFdfsServer>[0], port?: number): Promise<FakeFdfsServer> {
  const server = new FakeFdfsServer(handler);
  await server.listen(port);
  servers.push(server);
  return server;
}

function client(trackers: string[], options: Partial<ConstructorParameters<typeof FdfsClient>[0]> = {}): FdfsClient {
  const c = new FdfsClient({ trackers, connectTimeout: 1000, networkTimeout: 2000, ...options });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const p of pools.splice(0)) p.close();
  for (const s of servers.splice(0)) await s.close();
});

describe('timeouts', () => {
  it('a server that never answers fails the request with a network timeout, and the pool recovers', async () => {
    let hang = true;
    const server = await fake(() => (hang ? { hang: true } : groupReply()));
    const c = client([server.address], { networkTimeout: 150 });
    const started = Date.now();
    const err = await c.listGroups().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoTrackerError);
    expect((err as NoTrackerError).attempts[0]?.error).toMatchObject({ code: ErrorCode.NETWORK_TIMEOUT });
    expect(Date.now() - started).toBeLessThan(2000);
    hang = false;
    await expect(c.listGroups()).resolves.toEqual([GROUP]);
    // The hung connection was discarded, not reused.
    expect(server.connections).toBe(2);
  });

  it('a stalled streamed download times out instead of hanging', async () => {
    const storage = await fake(() => ({ closeMidReply: { announced: 1000, partial: 10 } }));
    storage.handler = () => ({ raw: Buffer.concat([Buffer.from('00000000000003e86400', 'hex'), Buffer.alloc(10)]) });
    const tracker = await fake(() => ({
      reply: encodeFetchResponse({ group: 'group1', storages: [{ host: '127.0.0.1', port: storage.port }] }, 16),
    }));
    const c = client([tracker.address], { networkTimeout: 150 });
    const stream = await c.downloadStream(FILE_ID);
    expect(stream.contentLength).toBe(1000);
    const err = await (async () => {
      for await (const _ of stream) {
        /* drain */
      }
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.NETWORK_TIMEOUT });
  });
});

describe('broken connections', () => {
  it('a server that closes mid-reply gives a clear error and the pool serves the next request', async () => {
    let breakIt = true;
    const server = await fake(() => (breakIt ? { closeMidReply: { announced: 113, partial: 40 } } : groupReply()));
    const pool = new ConnectionPool(
      { host: '127.0.0.1', port: server.port },
      { maxSize: 1, acquireTimeout: 1000, maxWaiting: 10, idleTimeout: 60_000 },
      { connectTimeout: 1000, networkTimeout: 1000 },
    );
    pools.push(pool);
    const request = () =>
      pool.use(
        (conn) => conn.request({ cmd: Cmd.SERVER_LIST_ALL_GROUPS, operation: 'list groups', maxResponseBody: 1 << 20 }),
        true,
      );
    const err = await request().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect((err as ConnectionClosedError).beforeReply).toBe(false);
    expect(pool.stats()).toMatchObject({ size: 0, idle: 0 });
    breakIt = false;
    expect((await request()).length).toBe(113);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1 });
  });

  it('an idempotent request on a stale pooled connection is retried once on a fresh one', async () => {
    // Every connection answers its first request and dies silently on the second: a server restart seen late.
    const server = await fake((req) => (req.nthOnConnection === 1 ? groupReply() : { close: true }));
    const c = client([server.address]);
    await c.listGroups();
    await expect(c.listGroups()).resolves.toEqual([GROUP]);
    expect(server.connections).toBe(2);
    expect(c.status().trackers[0]).toMatchObject({ state: 'up', failures: 0 });
  });

  it('a non-idempotent request on a stale connection is not retried', async () => {
    const storage = await fake((req) => (req.nthOnConnection === 1 ? { reply: Buffer.alloc(0) } : { close: true }));
    const tracker = await fake(() => ({
      reply: encodeStoreOneResponse({ group: 'group1', host: '127.0.0.1', port: storage.port, storePathIndex: 0 }, 16),
    }));
    const c = client([tracker.address]);
    await c.activeTest(storage.address); // leaves one idle connection to the storage
    const err = await c.upload(Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(storage.requests.filter((r) => r.cmd === Cmd.UPLOAD_FILE)).toHaveLength(1);
  });

  it('a reply that is not a FastDFS response is a protocol error and the connection is dropped', async () => {
    const server = await fake(() => ({ raw: Buffer.from('0000000000000000ff00', 'hex') }));
    const c = client([server.address]);
    const err = await c.listGroups().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(c.status().pools[0]).toMatchObject({ size: 0 });
  });

  it('an error status from a tracker is an answer, not a reason to fail over', async () => {
    const first = await fake(() => ({ reply: Buffer.alloc(0), status: 2 }));
    const second = await fake(() => groupReply());
    const c = client([first.address, second.address]);
    await expect(c.listGroup('nosuch')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, status: 2 });
    expect(second.requests).toHaveLength(0);
  });
});

describe('several trackers', () => {
  it('skips a tracker that is down, uses the next, and re-admits the first once it is back', async () => {
    const downPort = await unusedPort();
    const second = await fake(() => groupReply());
    const c = client([`127.0.0.1:${downPort}`, second.address], { trackerRetryInterval: 200 });
    for (let i = 0; i < 4; i++) await expect(c.listGroups()).resolves.toEqual([GROUP]);
    expect(second.requests).toHaveLength(4);
    expect(c.status().trackers[0]).toMatchObject({ state: 'down', failures: 1 });

    const first = await fake(() => groupReply(), downPort);
    await new Promise((r) => setTimeout(r, 250));
    for (let i = 0; i < 4; i++) await c.listGroups();
    expect(first.requests.length).toBeGreaterThan(0);
    expect(c.status().trackers[0]).toMatchObject({ state: 'up', failures: 0 });
  });

  it('spreads requests over healthy trackers', async () => {
    const a = await fake(() => groupReply());
    const b = await fake(() => groupReply());
    const c = client([a.address, b.address]);
    for (let i = 0; i < 10; i++) await c.listGroups();
    expect(a.requests).toHaveLength(5);
    expect(b.requests).toHaveLength(5);
  });

  it('names every tracker tried when none answers', async () => {
    const [p1, p2] = [await unusedPort(), await unusedPort()];
    const c = client([`127.0.0.1:${p1}`, `127.0.0.1:${p2}`]);
    const err = (await c.listGroups().catch((e: unknown) => e)) as NoTrackerError;
    expect(err).toBeInstanceOf(NoTrackerError);
    expect(err.code).toBe(ErrorCode.NO_TRACKER);
    expect(err.retriable).toBe(true);
    expect(err.message).toContain(`127.0.0.1:${p1}`);
    expect(err.message).toContain(`127.0.0.1:${p2}`);
    expect(err.attempts.map((a) => a.error.constructor.name)).toEqual(['ConnectError', 'ConnectError']);
  });
});

describe('pool bounds', () => {
  const slow = (ms: number) => async () => {
    await new Promise((r) => setTimeout(r, ms));
    return groupReply();
  };

  it('never opens more than maxSize connections; waiters are served in turn', async () => {
    const server = await fake(slow(30));
    const c = client([server.address], { pool: { maxSize: 3 } });
    const results = await Promise.all(Array.from({ length: 20 }, () => c.listGroups()));
    expect(results).toHaveLength(20);
    expect(server.maxOpenConnections).toBe(3);
    expect(server.connections).toBe(3);
  });

  it('fails fast when the wait queue is full and times out a waiter that waits too long', async () => {
    const server = await fake(slow(300));
    const pool = new ConnectionPool(
      { host: '127.0.0.1', port: server.port },
      { maxSize: 1, acquireTimeout: 100, maxWaiting: 1, idleTimeout: 60_000 },
      { connectTimeout: 1000, networkTimeout: 2000 },
    );
    pools.push(pool);
    const request = () =>
      pool.use(
        (conn) => conn.request({ cmd: Cmd.SERVER_LIST_ALL_GROUPS, operation: 'list groups', maxResponseBody: 1 << 20 }),
        true,
      );
    const first = request();
    const waiting = request();
    const rejected = request();
    await expect(rejected).rejects.toMatchObject({ code: ErrorCode.POOL_FULL });
    await expect(waiting).rejects.toMatchObject({ code: ErrorCode.POOL_TIMEOUT });
    await expect(first).resolves.toHaveLength(113);
  });

  it('closes connections that stay idle past idleTimeout', async () => {
    const server = await fake(() => groupReply());
    const c = client([server.address], { pool: { idleTimeout: 100 } });
    await c.listGroups();
    expect(server.openConnections).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(c.status().pools[0]).toMatchObject({ size: 0, idle: 0 });
    expect(server.openConnections).toBe(0);
    expect(server.requests.at(-1)?.cmd).toBe(Cmd.QUIT);
  });
});

describe('hostile input', () => {
  it.each([
    '../etc/passwd',
    'group1/../../etc/passwd',
    'group1/M00/00/00/../../../../../../../../etc/passwd',
    'group1/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin/../../x',
    'group1/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA25\u0000.bin',
    'gr oup/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin',
  ])('rejects %j before any I/O', async (fileId) => {
    const server = await fake(() => groupReply());
    const c = client([server.address]);
    for (const call of [
      () => c.download(fileId),
      () => c.delete(fileId),
      () => c.getMetadata(fileId),
      () => c.queryFetch(fileId),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidFileIdError);
      expect((err as FdfsError).code).toBe(ErrorCode.INVALID_FILE_ID);
    }
    expect(server.connections).toBe(0);
  });

  it('rejects a stream upload whose length differs from the declared size, and drops the connection', async () => {
    const storage = await fake(() => ({ hang: true }));
    const tracker = await fake(() => ({
      reply: encodeStoreOneResponse({ group: 'group1', host: '127.0.0.1', port: storage.port, storePathIndex: 0 }, 16),
    }));
    const c = client([tracker.address]);
    async function* short() {
      yield Buffer.from('abc');
    }
    await expect(c.upload(short(), { size: 10 })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(c.upload(Buffer.from('x'), { ext: 'toolong1' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });
});
