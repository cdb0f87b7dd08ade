import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import {
  Cmd,
  decodeFetchResponse,
  decodeGroupStats,
  decodeStoreAllResponse,
  decodeStoreOneResponse,
  decodeStorageStats,
  encodeGroup,
  encodeGroupFile,
  encodeListStorageRequest,
  StorageStatus,
} from 'fastdfs-protocol';
import { RawConn, removeDir, startEmbedded, upload } from '../../helpers/raw-client.js';

const NAME = 'M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin';

describe('embedded tracker (16-byte IP fields)', () => {
  let server: EmbeddedFdfs;
  let base: string;
  let conn: RawConn;

  beforeAll(async () => {
    ({ server, basePath: base } = await startEmbedded({ groupName: 'group7', sourceIp: '10.1.2.3' }));
    conn = await RawConn.connect(server.trackerAddress);
  });
  afterAll(async () => {
    conn.destroy();
    await server.stop();
    await removeDir(base);
  });

  it('answers 101/104 with the storage at its real (ephemeral) port, store path 0', async () => {
    for (const [cmd, body] of [
      [Cmd.QUERY_STORE_WITHOUT_GROUP_ONE, Buffer.alloc(0)],
      [Cmd.QUERY_STORE_WITH_GROUP_ONE, encodeGroup('group7')],
    ] as const) {
      const r = await conn.request(cmd, body);
      expect(r.status).toBe(0);
      expect(r.cmd).toBe(Cmd.RESP);
      expect(r.body.length).toBe(40);
      expect(decodeStoreOneResponse(r.body)).toEqual({
        group: 'group7',
        host: '10.1.2.3',
        port: server.storageAddress.port,
        storePathIndex: 0,
      });
    }
    expect(server.storageAddress.port).not.toBe(23000);
  });

  it('answers 106/107 with one storage', async () => {
    for (const [cmd, body] of [
      [Cmd.QUERY_STORE_WITHOUT_GROUP_ALL, Buffer.alloc(0)],
      [Cmd.QUERY_STORE_WITH_GROUP_ALL, encodeGroup('group7')],
    ] as const) {
      const r = await conn.request(cmd, body);
      expect(r.status).toBe(0);
      expect(r.body.length).toBe(16 + 23 + 1);
      expect(decodeStoreAllResponse(r.body)).toEqual({
        group: 'group7',
        storages: [{ host: '10.1.2.3', port: server.storageAddress.port }],
        storePathIndex: 0,
      });
    }
  });

  it('104/107 for another group → ENOENT; wrong body lengths → EINVAL, connection still usable', async () => {
    expect((await conn.request(Cmd.QUERY_STORE_WITH_GROUP_ONE, encodeGroup('group1'))).status).toBe(2);
    expect((await conn.request(Cmd.QUERY_STORE_WITH_GROUP_ALL, encodeGroup('nope'))).status).toBe(2);
    expect((await conn.request(Cmd.QUERY_STORE_WITH_GROUP_ONE, Buffer.from('group7'))).status).toBe(22);
    expect((await conn.request(Cmd.QUERY_STORE_WITHOUT_GROUP_ONE, Buffer.from('x'))).status).toBe(22);
    expect((await conn.request(Cmd.ACTIVE_TEST)).status).toBe(0);
  });

  it('102/103/105 name the storage without checking the file exists', async () => {
    for (const cmd of [Cmd.QUERY_FETCH_ONE, Cmd.QUERY_UPDATE, Cmd.QUERY_FETCH_ALL]) {
      const r = await conn.request(cmd, encodeGroupFile({ group: 'group7', filename: NAME }));
      expect(r.status).toBe(0);
      expect(r.body.length).toBe(39);
      expect(decodeFetchResponse(r.body)).toEqual({
        group: 'group7',
        storages: [{ host: '10.1.2.3', port: server.storageAddress.port }],
      });
    }
  });

  it('102 errors: foreign group ENOENT, short / long body EINVAL, bad name EINVAL', async () => {
    expect((await conn.request(Cmd.QUERY_FETCH_ONE, encodeGroupFile({ group: 'group1', filename: NAME }))).status).toBe(
      2,
    );
    expect(
      (await conn.request(Cmd.QUERY_FETCH_ONE, encodeGroupFile({ group: 'group7', filename: 'M00/00/00/short' })))
        .status,
    ).toBe(22);
    expect(
      (await conn.request(Cmd.QUERY_UPDATE, encodeGroupFile({ group: 'group7', filename: `${NAME}${'x'.repeat(90)}` })))
        .status,
    ).toBe(22);
    expect(
      (
        await conn.request(
          Cmd.QUERY_FETCH_ONE,
          encodeGroupFile({ group: 'group7', filename: '../../../../etc/passwd/aaaaaaaaaaaaaaaaaaaaaaaaaa' }),
        )
      ).status,
    ).toBe(22);
  });

  it('90/91 report one group with real disk numbers', async () => {
    for (const [cmd, body] of [
      [Cmd.SERVER_LIST_ONE_GROUP, encodeGroup('group7')],
      [Cmd.SERVER_LIST_ALL_GROUPS, Buffer.alloc(0)],
    ] as const) {
      const r = await conn.request(cmd, body);
      expect(r.status).toBe(0);
      expect(r.body.length).toBe(113);
      const [stat] = decodeGroupStats(r.body);
      expect(stat).toMatchObject({
        group: 'group7',
        storageCount: 1,
        storagePort: server.storageAddress.port,
        readableServerCount: 1,
        writableServerCount: 1,
        storePathCount: 1,
        subdirCountPerPath: 256,
        currentTrunkFileId: -1,
      });
      expect(stat?.totalMb).toBeGreaterThan(0);
      expect(stat?.freeMb).toBeLessThanOrEqual(stat?.totalMb ?? 0);
    }
    expect((await conn.request(Cmd.SERVER_LIST_ONE_GROUP, encodeGroup('other'))).status).toBe(2);
    expect((await conn.request(Cmd.SERVER_LIST_ALL_GROUPS, Buffer.from('x'))).status).toBe(22);
  });

  it('92 reports the storage ACTIVE with the counters it keeps; a storage id filters', async () => {
    const storage = await RawConn.connect(server.storageAddress);
    await upload(storage, Buffer.from('counted'));
    storage.destroy();
    const r = await conn.request(Cmd.SERVER_LIST_STORAGE, encodeListStorageRequest('group7'));
    expect(r.status).toBe(0);
    expect(r.body.length).toBe(487);
    const [stat] = decodeStorageStats(r.body);
    expect(stat).toMatchObject({
      status: StorageStatus.ACTIVE,
      rwMode: 6,
      id: '10.1.2.3',
      ip: '10.1.2.3',
      version: '6.16.1',
      storagePort: server.storageAddress.port,
      storePathCount: 1,
      subdirCountPerPath: 256,
      ifTrunkServer: false,
    });
    expect(stat?.counters.totalUploadCount).toBe(1);
    expect(stat?.counters.successUploadBytes).toBe(7);
    expect(stat?.upTime).toBeGreaterThanOrEqual(stat?.joinTime ?? 0);

    const one = await conn.request(Cmd.SERVER_LIST_STORAGE, encodeListStorageRequest('group7', '10.1.2.3'));
    expect(decodeStorageStats(one.body)).toHaveLength(1);
    expect((await conn.request(Cmd.SERVER_LIST_STORAGE, encodeListStorageRequest('group7', '10.9.9.9'))).status).toBe(
      2,
    );
    expect((await conn.request(Cmd.SERVER_LIST_STORAGE, encodeListStorageRequest('group1'))).status).toBe(2);
    expect((await conn.request(Cmd.SERVER_LIST_STORAGE, Buffer.from('short'))).status).toBe(22);
  });

  it('111 answers an empty body, an unknown cmd EINVAL, 82 closes without a reply', async () => {
    const c = await RawConn.connect(server.trackerAddress);
    const active = await c.request(Cmd.ACTIVE_TEST);
    expect(active).toMatchObject({ status: 0, cmd: 100 });
    expect(active.body.length).toBe(0);
    expect((await c.request(77)).status).toBe(22);
    c.send(Cmd.QUIT);
    await c.closedWithin(2000);
    expect(c.pending).toBe(0);
  });

  it('answers pipelined requests in order, split at any byte', async () => {
    const c = await RawConn.connect(server.trackerAddress);
    const frames = Buffer.concat([
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, Cmd.ACTIVE_TEST, 0]),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 16, Cmd.SERVER_LIST_ONE_GROUP, 0]),
      encodeGroup('group7'),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, Cmd.QUERY_STORE_WITHOUT_GROUP_ONE, 0]),
    ]);
    for (let i = 0; i < frames.length; i++) c.write(frames.subarray(i, i + 1));
    expect((await c.reply()).body.length).toBe(0);
    expect((await c.reply()).body.length).toBe(113);
    expect((await c.reply()).body.length).toBe(40);
    c.destroy();
  });
});

describe('embedded tracker with 46-byte IP fields', () => {
  let server: EmbeddedFdfs;
  let base: string;

  beforeAll(async () => {
    ({ server, basePath: base } = await startEmbedded({ ipAddrSize: 46 }));
  });
  afterAll(async () => {
    await server.stop();
    await removeDir(base);
  });

  it('sends the 6.11-6.13 layouts end to end: store 70, fetch 69, storage stat 517, file info 70', async () => {
    const t = await RawConn.connect(server.trackerAddress);
    const store = await t.request(Cmd.QUERY_STORE_WITHOUT_GROUP_ONE);
    expect(store.body.length).toBe(70);
    const target = decodeStoreOneResponse(store.body);
    expect(target).toMatchObject({ host: '127.0.0.1', port: server.storageAddress.port });

    const s = await RawConn.connect({ host: target.host, port: target.port });
    const name = await upload(s, Buffer.from('forty-six'));
    const fetch = await t.request(Cmd.QUERY_FETCH_ONE, encodeGroupFile({ group: 'group1', filename: name }));
    expect(fetch.body.length).toBe(69);
    expect(decodeFetchResponse(fetch.body).storages).toEqual([{ host: '127.0.0.1', port: server.storageAddress.port }]);
    const all = await t.request(Cmd.QUERY_STORE_WITHOUT_GROUP_ALL);
    expect(all.body.length).toBe(16 + 53 + 1);
    const list = await t.request(Cmd.SERVER_LIST_STORAGE, encodeListStorageRequest('group1'));
    expect(list.body.length).toBe(517);
    expect(decodeStorageStats(list.body)[0]?.ip).toBe('127.0.0.1');
    const info = await s.request(Cmd.QUERY_FILE_INFO, encodeGroupFile({ group: 'group1', filename: name }));
    expect(info.body.length).toBe(70);
    t.destroy();
    s.destroy();
  });
});
