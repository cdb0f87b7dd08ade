/**
 * metadata_dbsvr over real sockets (in process): register, list, remove through FrameClient;
 * bad bodies answered 1001 / 1003 (and an unknown cmd 1002) while the server keeps serving;
 * concurrent registers each get their own photoid.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_ALBUMS,
  Cmd,
  ResultCode,
  decodeMetadataListResponse,
  decodeMetadataRegisterResponse,
  decodeMetadataRemoveResponse,
  encodeMetadataListRequest,
  encodeMetadataRegisterRequest,
  encodeMetadataRemoveRequest,
  type PictureRecord,
} from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { readMetadataDbsvrConf } from '../../../apps/metadata-dbsvr/src/conf.js';
import { startMetadataDbsvr, type StartedMetadataDbsvr } from '../../../apps/metadata-dbsvr/src/metadata-dbsvr.js';
import { confOf } from '../../helpers/shipped-conf.js';

const FILE_ID = 'group1/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg';

let dir: string;
let service: StartedMetadataDbsvr;
let client: FrameClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metadata-dbsvr-'));
  const conf = readMetadataDbsvrConf(confOf(`port = 0\nbase_path = ${dir}\n`), {});
  service = await startMetadataDbsvr(conf, pino({ level: 'silent' }));
  client = new FrameClient({ ...service.address, requestTimeoutMs: 20_000 });
});

afterAll(async () => {
  await client.close();
  await service.stop();
  await rm(dir, { recursive: true, force: true });
});

function picture(overrides: Partial<PictureRecord> = {}): PictureRecord {
  return {
    uid: 1001,
    albumid: 2,
    hostid: 0,
    fdfsUrl: FILE_ID,
    name: '头像.png',
    type: 'png',
    size: 1234,
    width: 64,
    height: 48,
    time: 1_700_000_000,
    ...overrides,
  };
}

async function register(record: PictureRecord): Promise<number> {
  const response = await client.request(Cmd.METADATA_REGISTER, encodeMetadataRegisterRequest(record));
  expect(response.ret).toBe(0);
  return decodeMetadataRegisterResponse(response.body);
}

async function list(uid: number, albumid = ALL_ALBUMS) {
  const response = await client.request(
    Cmd.METADATA_LIST,
    encodeMetadataListRequest({ uid, albumid, beforePhotoid: 0, limit: 100 }),
  );
  expect(response.ret).toBe(0);
  return decodeMetadataListResponse(response.body);
}

describe('metadata_dbsvr', () => {
  it('registers, lists and removes a picture; a retried register and a repeated remove change nothing', async () => {
    const photoid = await register(picture());
    expect(photoid).toBeGreaterThan(0);
    expect(await register(picture({ name: 'retry.png' }))).toBe(photoid);
    expect(await list(1001)).toEqual({ rows: [{ photoid, ...picture() }], nextBefore: 0 });
    expect((await list(1001, 2)).rows).toHaveLength(1);
    expect((await list(1001, 3)).rows).toHaveLength(0);

    const remove = () => client.request(Cmd.METADATA_REMOVE, encodeMetadataRemoveRequest({ hostid: 0, url: FILE_ID }));
    const first = await remove();
    expect([first.ret, decodeMetadataRemoveResponse(first.body)]).toEqual([0, true]);
    const again = await remove();
    expect([again.ret, decodeMetadataRemoveResponse(again.body)]).toEqual([0, false]);
    expect((await list(1001)).rows).toEqual([]);
  });

  it('stores the file id of a URL-form fdfs_url, and time 0 as the server clock', async () => {
    const before = Math.floor(Date.now() / 1000);
    const url = `http://p.cn/group1/M00/00/01/${'B'.repeat(27)}123.gif`;
    const photoid = await register(picture({ uid: 1002, fdfsUrl: url, type: 'gif', time: 0 }));
    const [row] = (await list(1002)).rows;
    expect(row?.photoid).toBe(photoid);
    expect(row?.fdfsUrl).toBe(`group1/M00/00/01/${'B'.repeat(27)}123.gif`);
    expect(row?.time).toBeGreaterThanOrEqual(before);
    // Removing by the bare file id finds the row registered by URL.
    const removed = await client.request(
      Cmd.METADATA_REMOVE,
      encodeMetadataRemoveRequest({ hostid: 0, url: row?.fdfsUrl ?? '' }),
    );
    expect(decodeMetadataRemoveResponse(removed.body)).toBe(true);
  });

  it('answers bad bodies 1001, bad fields 1003, an unknown cmd 1002, and keeps serving', async () => {
    const good = encodeMetadataRegisterRequest(picture({ uid: 1003 }));
    const bad = async (cmd: number, body: Buffer) => {
      const response = await client.request(cmd, body);
      expect(response.body.length).toBe(0);
      return response.ret;
    };
    expect(await bad(Cmd.METADATA_REGISTER, good.subarray(0, 227))).toBe(ResultCode.BAD_BODY);
    expect(await bad(Cmd.METADATA_REGISTER, Buffer.concat([good, Buffer.alloc(1)]))).toBe(ResultCode.BAD_BODY);
    const notUtf8 = Buffer.from(good);
    notUtf8[76] = 0xc3; // a lead byte followed by a NUL
    notUtf8[77] = 0;
    expect(await bad(Cmd.METADATA_REGISTER, notUtf8)).toBe(ResultCode.BAD_BODY);
    const badId = encodeMetadataRegisterRequest(picture({ fdfsUrl: 'group1/M00/../../etc/passwd' }));
    expect(await bad(Cmd.METADATA_REGISTER, badId)).toBe(ResultCode.BAD_ARGUMENT);
    const badType = encodeMetadataRegisterRequest(picture({ type: 'image/j' }));
    expect(await bad(Cmd.METADATA_REGISTER, badType)).toBe(ResultCode.BAD_ARGUMENT);
    expect(await bad(Cmd.METADATA_REGISTER, encodeMetadataRegisterRequest(picture({ type: '' })))).toBe(
      ResultCode.BAD_ARGUMENT,
    );
    expect(await bad(Cmd.METADATA_REMOVE, Buffer.alloc(67))).toBe(ResultCode.BAD_BODY);
    expect(await bad(Cmd.METADATA_REMOVE, encodeMetadataRemoveRequest({ hostid: 0, url: 'not-a-file-id' }))).toBe(
      ResultCode.BAD_ARGUMENT,
    );
    const limit0 = encodeMetadataListRequest({ uid: 1, albumid: 0, beforePhotoid: 0, limit: 0 });
    expect(await bad(Cmd.METADATA_LIST, limit0)).toBe(ResultCode.BAD_ARGUMENT);
    expect(await bad(Cmd.METADATA_LIST, Buffer.alloc(15))).toBe(ResultCode.BAD_BODY);
    expect(await bad(4004, Buffer.alloc(0))).toBe(ResultCode.UNKNOWN_CMD);
    // None of it was stored, and the same connection still works.
    expect((await list(1003)).rows).toEqual([]);
    expect(await register(picture({ uid: 1003 }))).toBeGreaterThan(0);
  });

  it('gives each of 200 pipelined registers its own photoid, all listed', async () => {
    const records = Array.from({ length: 200 }, (_, i) =>
      picture({ uid: 1004, fdfsUrl: `group1/M00/00/02/${String(i).padStart(27, 'C')}000.jpg` }),
    );
    const ids = await Promise.all(records.map(register));
    expect(new Set(ids).size).toBe(200);
    const listed: number[] = [];
    let before = 0;
    for (;;) {
      const response = await client.request(
        Cmd.METADATA_LIST,
        encodeMetadataListRequest({ uid: 1004, albumid: ALL_ALBUMS, beforePhotoid: before, limit: 100 }),
      );
      const page = decodeMetadataListResponse(response.body);
      listed.push(...page.rows.map((row) => row.photoid));
      if (page.nextBefore === 0) break;
      before = page.nextBefore;
    }
    expect(listed).toEqual([...ids].sort((a, b) => b - a));
  });
});
