import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import {
  Cmd,
  decodeFileInfoResponse,
  decodeGroupFile,
  DOWNLOAD_FIXED_SIZE,
  encodeAppendHead,
  encodeGroupFile,
  encodeModifyHead,
  encodeSetMetadataRequest,
  encodeSlaveHead,
  encodeTruncateRequest,
  encodeUploadHead,
  packMetadata,
  unpackMetadata,
} from 'fastdfs-protocol';
import { Store } from '../../../libs/fdfs-embedded/src/store.js';
import { RawConn, removeDir, startEmbedded, upload } from '../../helpers/raw-client.js';

const G = 'group1';
const gf = (filename: string) => encodeGroupFile({ group: G, filename });
const setMeta = (filename: string, meta: Record<string, string>) =>
  encodeSetMetadataRequest({ group: G, filename, mode: 'overwrite', metadata: packMetadata(meta) });

/** A DOWNLOAD body with raw int64 offset and length (values a JS number cannot hold). */
function rawDownload(filename: string, offset: bigint, length: bigint): Buffer {
  const body = Buffer.alloc(DOWNLOAD_FIXED_SIZE);
  body.writeBigInt64BE(offset, 0);
  body.writeBigInt64BE(length, 8);
  body.write(G, 16, 'latin1');
  return Buffer.concat([body, Buffer.from(filename, 'latin1')]);
}

/** Waits until `cond` holds, polling; fails after `timeoutMs`. */
async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('storage integrity', () => {
  let server: EmbeddedFdfs;
  let base: string;
  let s: RawConn;
  const path = (filename: string) => join(server.dataDir, filename.slice(4));
  const tmpEntries = () => readdir(join(server.dataDir, '.tmp'));
  const sizeOf = async (filename: string) =>
    decodeFileInfoResponse((await s.request(Cmd.QUERY_FILE_INFO, gf(filename), 1)).body).fileSize;

  beforeAll(async () => {
    ({ server, basePath: base } = await startEmbedded({ maxUploadSize: 64 * 1024, networkTimeoutMs: 5000 }));
    s = await RawConn.connect(server.storageAddress);
  });
  afterAll(async () => {
    s.destroy();
    await server.stop();
    await removeDir(base);
  });

  it('writes metadata temp files in .tmp: a slave named <master>-m.<pid>.tmp survives SET_METADATA', async () => {
    // Before, SET_METADATA wrote `<master>-m.<pid>.tmp` next to the master, then renamed it to `-m`.
    const master = await upload(s, Buffer.from('master'), '');
    const content = Buffer.from('slave content');
    const r = await s.request(
      Cmd.UPLOAD_SLAVE_FILE,
      Buffer.concat([
        encodeSlaveHead({ masterFilename: master, fileSize: content.length, prefix: `-m.${process.pid}`, ext: 'tmp' }),
        content,
      ]),
    );
    expect(r.status).toBe(0);
    const slave = decodeGroupFile(r.body).filename;
    expect(slave).toBe(`${master}-m.${process.pid}.tmp`);

    expect((await s.request(Cmd.SET_METADATA, setMeta(master, { width: '10' }))).status).toBe(0);
    expect((await s.request(Cmd.DOWNLOAD_FILE, rawDownload(slave, 0n, 0n))).body).toEqual(content);
    expect(unpackMetadata((await s.request(Cmd.GET_METADATA, gf(master))).body)).toEqual({ width: '10' });
    const dir = await readdir(join(path(master), '..'));
    expect(dir.filter((f) => f.startsWith(master.slice(10))).sort()).toEqual(
      [master.slice(10), `${master.slice(10)}-m`, slave.slice(10)].sort(),
    );
    expect(await tmpEntries()).toEqual([]);
  });

  it('removes a metadata temp file whose write failed, and empties .tmp at start', async () => {
    const dir = join(base, 'store-only');
    await mkdir(join(dir, 'data', '.tmp'), { recursive: true });
    await writeFile(join(dir, 'data', '.tmp', 'left-by-a-crash'), 'x');
    const store = new Store(dir, G);
    await store.init();
    expect(await store.pendingTemps()).toBe(0);
    // The rename fails (no such sub dir), as a write fails on a full disk: the temp file goes.
    await expect(store.writeAtomically(join(store.dataDir, '0A', '0B', 'x-m'), Buffer.from('m'))).rejects.toThrow();
    expect(await store.pendingTemps()).toBe(0);
  });

  it('SET_METADATA racing DELETE never leaves a -m file without its data file', async () => {
    const a = await RawConn.connect(server.storageAddress);
    const b = await RawConn.connect(server.storageAddress);
    for (let round = 0; round < 100; round++) {
      const name = await upload(s, Buffer.from(`file ${round}`), 'txt');
      a.send(Cmd.SET_METADATA, setMeta(name, { round: String(round) }));
      b.send(Cmd.DELETE_FILE, gf(name));
      const [meta, del] = await Promise.all([a.reply(), b.reply()]);
      expect(del.status).toBe(0);
      expect([0, 2]).toContain(meta.status); // before the delete, or after it (ENOENT)
      const [data, metaFile] = await Promise.all([exists(path(name)), exists(`${path(name)}-m`)]);
      expect({ round, data, metaFile }).toEqual({ round, data: false, metaFile: false });
    }
    a.destroy();
    b.destroy();
  });

  it('DOWNLOAD clips a length of 2^53 or 2^63-1 to the file; an offset that large or a negative one is EINVAL', async () => {
    const name = await upload(s, Buffer.from('0123456789'), 'txt');
    const get = (offset: bigint, length: bigint) => s.request(Cmd.DOWNLOAD_FILE, rawDownload(name, offset, length));
    for (const length of [2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n]) {
      expect((await get(0n, length)).body.toString()).toBe('0123456789');
      expect((await get(7n, length)).body.toString()).toBe('789');
    }
    expect((await get(2n ** 53n, 1n)).status).toBe(22);
    expect((await get(2n ** 63n - 1n, 0n)).status).toBe(22);
    expect((await get(10n, 2n ** 63n - 1n)).status).toBe(22); // offset = size
    expect((await get(-1n, 0n)).status).toBe(22);
    expect((await get(0n, -1n)).status).toBe(22);
    expect((await get(0n, -(2n ** 63n))).status).toBe(22);
  });

  it('answers EFBIG (file too large) over maxUploadSize for every write, changing nothing', async () => {
    const over = 64 * 1024 + 1;
    const big = Buffer.alloc(over, 1);
    const app = await upload(s, Buffer.from('abc'), 'log', Cmd.UPLOAD_APPENDER_FILE);
    const master = await upload(s, Buffer.from('master'), 'jpg');
    const requests: [string, number, Buffer][] = [
      [
        'upload',
        Cmd.UPLOAD_FILE,
        Buffer.concat([encodeUploadHead({ storePathIndex: 0, fileSize: over, ext: 'bin' }), big]),
      ],
      ['append', Cmd.APPEND_FILE, Buffer.concat([encodeAppendHead({ filename: app, fileSize: over }), big])],
      ['modify', Cmd.MODIFY_FILE, Buffer.concat([encodeModifyHead({ filename: app, offset: 0, fileSize: over }), big])],
      [
        'slave',
        Cmd.UPLOAD_SLAVE_FILE,
        Buffer.concat([encodeSlaveHead({ masterFilename: master, fileSize: over, prefix: '_big', ext: '' }), big]),
      ],
      ['truncate', Cmd.TRUNCATE_FILE, encodeTruncateRequest({ filename: app, truncatedSize: over })],
    ];
    for (const [what, cmd, body] of requests) {
      const c = await RawConn.connect(server.storageAddress);
      expect({ what, status: (await c.request(cmd, body)).status }).toEqual({ what, status: 27 });
      c.destroy();
    }
    expect((await s.request(Cmd.DOWNLOAD_FILE, rawDownload(app, 0n, 0n))).body.toString()).toBe('abc');
    expect(await exists(path(master).replace(/\.jpg$/, '_big.jpg'))).toBe(false);
    expect(await tmpEntries()).toEqual([]);
  });

  it('an APPEND or MODIFY whose connection drops mid-body leaves the file as it was', async () => {
    const app = await upload(s, Buffer.from('abcdef'), 'log', Cmd.UPLOAD_APPENDER_FILE);
    const requests: [number, Buffer][] = [
      [Cmd.APPEND_FILE, encodeAppendHead({ filename: app, fileSize: 50_000 })],
      [Cmd.MODIFY_FILE, encodeModifyHead({ filename: app, offset: 2, fileSize: 50_000 })],
    ];
    for (const [cmd, head] of requests) {
      const c = await RawConn.connect(server.storageAddress);
      c.send(cmd, Buffer.concat([head, Buffer.alloc(20_000, 0x7a)]), 0, head.length + 50_000);
      await until(async () => (await tmpEntries()).length === 1, 5000, 'the content to be received');
      c.destroy();
      await until(async () => (await tmpEntries()).length === 0, 5000, 'the temp file to go');
      expect(await sizeOf(app)).toBe(6);
      expect((await s.request(Cmd.DOWNLOAD_FILE, rawDownload(app, 0n, 0n))).body.toString()).toBe('abcdef');
    }
  });
});

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
