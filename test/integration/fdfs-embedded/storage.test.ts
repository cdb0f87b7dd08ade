import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import {
  Cmd,
  decodeFileInfoResponse,
  decodeGroupFile,
  encodeAppendHead,
  encodeDownloadRequest,
  encodeGroupFile,
  encodeModifyHead,
  encodeSetMetadataRequest,
  encodeSlaveHead,
  encodeTruncateRequest,
  encodeUploadHead,
  FILE_INFO_FLAG_NO_CRC32,
  packMetadata,
  unpackMetadata,
} from 'fastdfs-protocol';
import { parseRemoteFilename, describeParsed } from 'fastdfs-protocol';
import { RawConn, removeDir, startEmbedded, upload } from '../../helpers/raw-client.js';

const G = 'group1';
const gf = (filename: string, group = G) => encodeGroupFile({ group, filename });
const download = (filename: string, offset = 0, length = 0, group = G) =>
  encodeDownloadRequest({ offset, length, group, filename });
const diskPath = (dataDir: string, filename: string) => join(dataDir, filename.slice(4));

describe('embedded storage', () => {
  let server: EmbeddedFdfs;
  let base: string;
  let s: RawConn;

  beforeAll(async () => {
    ({ server, basePath: base } = await startEmbedded());
    s = await RawConn.connect(server.storageAddress);
  });
  afterAll(async () => {
    s.destroy();
    await server.stop();
    await removeDir(base);
  });

  it('11 upload: a FastDFS name (source IP, mtime, size, CRC32) and the bytes in data/XX/YY', async () => {
    const content = Buffer.from('hello embedded fastdfs');
    const before = Math.floor(Date.now() / 1000);
    const reply = await s.request(
      Cmd.UPLOAD_FILE,
      Buffer.concat([encodeUploadHead({ storePathIndex: 0xff, fileSize: content.length, ext: 'txt' }), content]),
    );
    expect(reply.status).toBe(0);
    const { group, filename } = decodeGroupFile(reply.body);
    expect(group).toBe(G);
    expect(filename).toMatch(/^M00\/00\/00\/[A-Za-z0-9_-]{27}\d{3}\.txt$/);
    const info = describeParsed(parseRemoteFilename(G, filename));
    expect(info).toMatchObject({
      type: 'normal',
      sourceIp: '127.0.0.1',
      fileSize: content.length,
      crc32: crc32(content),
      ext: 'txt',
    });
    expect(info.createTimestamp).toBeGreaterThanOrEqual(before);
    const path = diskPath(server.dataDir, filename);
    expect(await readFile(path)).toEqual(content);
    expect(Math.floor((await stat(path)).mtimeMs / 1000)).toBe(info.createTimestamp);
  });

  it('11 upload errors: bad store path index, size mismatch, bad ext → EINVAL', async () => {
    const c = Buffer.from('abc');
    expect(
      (
        await s.request(
          Cmd.UPLOAD_FILE,
          Buffer.concat([encodeUploadHead({ storePathIndex: 1, fileSize: 3, ext: 'x' }), c]),
        )
      ).status,
    ).toBe(22);
    const c2 = await RawConn.connect(server.storageAddress);
    expect(
      (
        await c2.request(
          Cmd.UPLOAD_FILE,
          Buffer.concat([encodeUploadHead({ storePathIndex: 0, fileSize: 2, ext: 'x' }), c]),
        )
      ).status,
    ).toBe(22);
    const c3 = await RawConn.connect(server.storageAddress);
    const badExt = Buffer.concat([encodeUploadHead({ storePathIndex: 0, fileSize: 3, ext: 'a/b' }), c]);
    expect((await c3.request(Cmd.UPLOAD_FILE, badExt)).status).toBe(22);
    for (const c of [c2, c3]) c.destroy();
    // the first connection was closed (its body was not consumed): reconnect
    s.destroy();
    s = await RawConn.connect(server.storageAddress);
  });

  it('14 download: whole, offset+length, clipping; offset >= size and 0-byte files → EINVAL', async () => {
    const content = Buffer.from('0123456789');
    const name = await upload(s, content);
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(name))).body).toEqual(content);
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(name, 3, 4))).body.toString()).toBe('3456');
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(name, 8, 100))).body.toString()).toBe('89');
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(name, 10))).status).toBe(22);
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(name, 0, 0, 'group2'))).status).toBe(22);
    const empty = await upload(s, Buffer.alloc(0), '');
    expect(empty).toMatch(/^M00\/00\/00\/[A-Za-z0-9_-]{27}\d{7}$/);
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(empty))).status).toBe(22);
    const missing = name.replace(/.{5}$/, 'x.bin');
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(missing))).status).toBe(2);
  });

  it('downloads a large file streamed from disk intact', async () => {
    const content = Buffer.alloc(5 * 1024 * 1024 + 123);
    for (let i = 0; i < content.length; i += 4096) content.writeUInt32BE(i, i);
    const name = await upload(s, content);
    expect(crc32((await s.request(Cmd.DOWNLOAD_FILE, download(name))).body)).toBe(crc32(content));
  });

  it('12 delete: removes the file and its metadata; missing → ENOENT; foreign group → EINVAL', async () => {
    const name = await upload(s, Buffer.from('bye'));
    await s.request(
      Cmd.SET_METADATA,
      encodeSetMetadataRequest({ group: G, filename: name, mode: 'overwrite', metadata: packMetadata({ a: '1' }) }),
    );
    const path = diskPath(server.dataDir, name);
    expect((await stat(`${path}-m`)).isFile()).toBe(true);
    expect((await s.request(Cmd.DELETE_FILE, gf(name, 'group9'))).status).toBe(22);
    expect((await s.request(Cmd.DELETE_FILE, gf(name))).status).toBe(0);
    await expect(stat(path)).rejects.toThrow();
    await expect(stat(`${path}-m`)).rejects.toThrow();
    expect((await s.request(Cmd.DELETE_FILE, gf(name))).status).toBe(2);
  });

  it('13/15 metadata: overwrite sorts, merge inserts and replaces, empty overwrite deletes', async () => {
    const name = await upload(s, Buffer.from('meta'));
    const set = (mode: 'overwrite' | 'merge', meta: Buffer) =>
      s.request(Cmd.SET_METADATA, encodeSetMetadataRequest({ group: G, filename: name, mode, metadata: meta }));
    expect((await s.request(Cmd.GET_METADATA, gf(name))).status).toBe(2);
    expect((await set('overwrite', packMetadata({ width: '800', author: 'x', height: '600' }))).status).toBe(0);
    const got = await s.request(Cmd.GET_METADATA, gf(name));
    expect(got.body.toString('latin1')).toBe('author\x02x\x01height\x02600\x01width\x02800');
    expect((await set('merge', packMetadata({ height: '601', color: 'red' }))).status).toBe(0);
    expect(unpackMetadata((await s.request(Cmd.GET_METADATA, gf(name))).body)).toEqual({
      author: 'x',
      color: 'red',
      height: '601',
      width: '800',
    });
    expect((await s.request(Cmd.GET_METADATA, gf(name))).body.toString('latin1')).toBe(
      'author\x02x\x01color\x02red\x01height\x02601\x01width\x02800',
    );
    expect((await set('overwrite', Buffer.alloc(0))).status).toBe(0);
    expect((await s.request(Cmd.GET_METADATA, gf(name))).status).toBe(2);
  });

  it('13 errors: bad flag, foreign group → EINVAL; missing file → ENOENT', async () => {
    const name = await upload(s, Buffer.from('meta2'));
    const body = encodeSetMetadataRequest({
      group: G,
      filename: name,
      mode: 'merge',
      metadata: packMetadata({ a: 'b' }),
    });
    body[16] = 'X'.charCodeAt(0);
    expect((await s.request(Cmd.SET_METADATA, body)).status).toBe(22);
    expect(
      (
        await s.request(
          Cmd.SET_METADATA,
          encodeSetMetadataRequest({
            group: 'group2',
            filename: name,
            mode: 'merge',
            metadata: packMetadata({ a: 'b' }),
          }),
        )
      ).status,
    ).toBe(22);
    const missing = name.replace(/.{5}$/, 'y.bin');
    expect(
      (
        await s.request(
          Cmd.SET_METADATA,
          encodeSetMetadataRequest({ group: G, filename: missing, mode: 'merge', metadata: packMetadata({ a: 'b' }) }),
        )
      ).status,
    ).toBe(2);
    expect((await s.request(Cmd.GET_METADATA, gf(missing))).status).toBe(2);
  });

  it('22 file info: normal from the name; appender and slave CRC computed unless flag 1; sign-extended', async () => {
    const content = Buffer.from('info content that is long enough');
    const name = await upload(s, content);
    const r = await s.request(Cmd.QUERY_FILE_INFO, gf(name));
    expect(r.body.length).toBe(40);
    const st = await stat(diskPath(server.dataDir, name));
    expect(decodeFileInfoResponse(r.body)).toEqual({
      fileSize: content.length,
      createTimestamp: Math.floor(st.mtimeMs / 1000),
      crc32: crc32(content),
      sourceIp: '127.0.0.1',
    });

    const app = await upload(s, content, 'dat', Cmd.UPLOAD_APPENDER_FILE);
    const info = await s.request(Cmd.QUERY_FILE_INFO, gf(app));
    expect(decodeFileInfoResponse(info.body).crc32).toBe(crc32(content));
    expect(
      decodeFileInfoResponse((await s.request(Cmd.QUERY_FILE_INFO, gf(app), FILE_INFO_FLAG_NO_CRC32)).body).crc32,
    ).toBe(0);

    // Find content whose CRC32 has the high bit set: the wire value must be sign-extended.
    let neg = Buffer.from('x');
    for (let i = 0; crc32(neg) < 0x80000000; i++) neg = Buffer.from(`x${i}`);
    const negName = await upload(s, neg);
    const raw = (await s.request(Cmd.QUERY_FILE_INFO, gf(negName))).body;
    expect(raw.readBigInt64BE(16)).toBe(BigInt(crc32(neg) | 0));
    expect((await s.request(Cmd.QUERY_FILE_INFO, gf(name.replace(/.{5}$/, 'z.bin')))).status).toBe(2);
    expect((await s.request(Cmd.QUERY_FILE_INFO, gf(name, 'group3'))).status).toBe(22);
  });

  it('23/24/34/36/38 appender: upload, append, modify, truncate, regenerate into a normal file', async () => {
    const name = await upload(s, Buffer.from('hello'), 'log', Cmd.UPLOAD_APPENDER_FILE);
    expect(describeParsed(parseRemoteFilename(G, name)).type).toBe('appender');
    const path = diskPath(server.dataDir, name);
    const more = Buffer.from(' world');
    expect(
      (
        await s.request(
          Cmd.APPEND_FILE,
          Buffer.concat([encodeAppendHead({ filename: name, fileSize: more.length }), more]),
        )
      ).status,
    ).toBe(0);
    expect((await readFile(path)).toString()).toBe('hello world');
    const patch = Buffer.from('W');
    expect(
      (
        await s.request(
          Cmd.MODIFY_FILE,
          Buffer.concat([encodeModifyHead({ filename: name, offset: 6, fileSize: 1 }), patch]),
        )
      ).status,
    ).toBe(0);
    expect((await readFile(path)).toString()).toBe('hello World');
    expect(
      (await s.request(Cmd.TRUNCATE_FILE, encodeTruncateRequest({ filename: name, truncatedSize: 5 }))).status,
    ).toBe(0);
    expect((await readFile(path)).toString()).toBe('hello');
    await s.request(
      Cmd.SET_METADATA,
      encodeSetMetadataRequest({ group: G, filename: name, mode: 'overwrite', metadata: packMetadata({ k: 'v' }) }),
    );

    const regen = await s.request(Cmd.REGENERATE_APPENDER_FILENAME, Buffer.from(name));
    expect(regen.status).toBe(0);
    const normal = decodeGroupFile(regen.body).filename;
    expect(normal.slice(0, 10)).toBe(name.slice(0, 10));
    expect(normal.slice(-7)).toBe(name.slice(-7));
    expect(describeParsed(parseRemoteFilename(G, normal))).toMatchObject({
      type: 'normal',
      fileSize: 5,
      crc32: crc32(Buffer.from('hello')),
    });
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(normal))).body.toString()).toBe('hello');
    expect(unpackMetadata((await s.request(Cmd.GET_METADATA, gf(normal))).body)).toEqual({ k: 'v' });
    await expect(stat(path)).rejects.toThrow();
  });

  it('appender errors: append to a normal file, modify past the end → EINVAL; missing → ENOENT', async () => {
    const normal = await upload(s, Buffer.from('plain'));
    const x = Buffer.from('x');
    expect(
      (await s.request(Cmd.APPEND_FILE, Buffer.concat([encodeAppendHead({ filename: normal, fileSize: 1 }), x])))
        .status,
    ).toBe(22);
    const c = await RawConn.connect(server.storageAddress);
    const app = await upload(c, Buffer.from('ab'), 'log', Cmd.UPLOAD_APPENDER_FILE);
    expect(
      (
        await c.request(
          Cmd.MODIFY_FILE,
          Buffer.concat([encodeModifyHead({ filename: app, offset: 3, fileSize: 1 }), x]),
        )
      ).status,
    ).toBe(22);
    c.destroy();
    const c2 = await RawConn.connect(server.storageAddress);
    expect(
      (await c2.request(Cmd.TRUNCATE_FILE, encodeTruncateRequest({ filename: normal, truncatedSize: 0 }))).status,
    ).toBe(22);
    expect(
      (
        await c2.request(
          Cmd.TRUNCATE_FILE,
          encodeTruncateRequest({ filename: app.replace(/.{5}$/, 'q.log'), truncatedSize: 0 }),
        )
      ).status,
    ).toBe(2);
    expect((await c2.request(Cmd.REGENERATE_APPENDER_FILENAME, Buffer.from(normal))).status).toBe(22);
    c2.destroy();
    s.destroy();
    s = await RawConn.connect(server.storageAddress);
  });

  it('21 slave upload: master name + prefix + ext; exists → EEXIST; missing master → ENOENT; no prefix → EINVAL', async () => {
    const master = await upload(s, Buffer.from('master'), 'jpg');
    const thumb = Buffer.from('thumb');
    const slaveBody = (prefix: string, m = master) =>
      Buffer.concat([encodeSlaveHead({ masterFilename: m, fileSize: thumb.length, prefix, ext: 'jpg' }), thumb]);
    const r = await s.request(Cmd.UPLOAD_SLAVE_FILE, slaveBody('_150x150'));
    expect(r.status).toBe(0);
    const slave = decodeGroupFile(r.body).filename;
    expect(slave).toBe(master.replace(/\.jpg$/, '_150x150.jpg'));
    expect(describeParsed(parseRemoteFilename(G, slave)).type).toBe('slave');
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(slave))).body).toEqual(thumb);
    expect(decodeFileInfoResponse((await s.request(Cmd.QUERY_FILE_INFO, gf(slave))).body).crc32).toBe(crc32(thumb));
    expect((await s.request(Cmd.UPLOAD_SLAVE_FILE, slaveBody('_150x150'))).status).toBe(17);
    expect((await s.request(Cmd.UPLOAD_SLAVE_FILE, slaveBody('_s', master.replace(/.{5}$/, 'm.jpg')))).status).toBe(2);
    const c = await RawConn.connect(server.storageAddress);
    expect((await c.request(Cmd.UPLOAD_SLAVE_FILE, slaveBody(''))).status).toBe(22);
    c.destroy();
    expect(await readdir(join(server.dataDir, '.tmp'))).toEqual([]);
  });

  it('rotates sub dirs round robin every file_distribute_rotate_count files', async () => {
    const { server: rr, basePath } = await startEmbedded({ fileDistributeRotateCount: 2, subdirCountPerPath: 2 });
    const c = await RawConn.connect(rr.storageAddress);
    const dirs: string[] = [];
    for (let i = 0; i < 10; i++) dirs.push((await upload(c, Buffer.from(`f${i}`))).slice(4, 9));
    expect(dirs).toEqual(['00/00', '00/00', '00/01', '00/01', '01/00', '01/00', '01/01', '01/01', '00/00', '00/00']);
    c.destroy();
    await rr.stop();
    await removeDir(basePath);
  });
});
