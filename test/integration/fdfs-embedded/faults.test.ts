import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import {
  Cmd,
  decodeStorageStats,
  encodeAppendHead,
  encodeDownloadRequest,
  encodeGroupFile,
  encodeHeader,
  encodeListStorageRequest,
  encodeSetMetadataRequest,
  encodeSlaveHead,
  encodeUploadHead,
  packMetadata,
  unpackMetadata,
} from 'fastdfs-protocol';
import { RawConn, removeDir, startEmbedded, upload } from '../../helpers/raw-client.js';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

describe('hostile requests', () => {
  let root: string;
  let server: EmbeddedFdfs;
  let s: RawConn;
  let good: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'fdfs-embedded-hostile-'));
    await mkdir(join(root, 'base'));
    ({ server } = await startEmbedded({}, join(root, 'base')));
    s = await RawConn.connect(server.storageAddress);
    good = await upload(s, Buffer.from('the only file'), 'txt');
    await s.request(
      Cmd.SET_METADATA,
      encodeSetMetadataRequest({
        group: 'group1',
        filename: good,
        mode: 'overwrite',
        metadata: packMetadata({ secret: 'meta' }),
      }),
    );
  });
  afterAll(async () => {
    s.destroy();
    await server.stop();
    await removeDir(root);
  });

  const b64 = 'fwAAAWsBU6WAETeuAAAwOcDhnzA';
  const hostile = [
    'M00/00/00/../../../../../../../../etc/passwd',
    `M00/00/00/../../${b64}`,
    `M00/../../${b64}0000.txt`,
    `M01/00/00/${b64}0000.txt`, // store path 1 does not exist (storage_split_filename_ex → EINVAL)
    `M00/00/00/${b64.slice(1)}.jpeg.xx`, // 26 base64 chars
    `M00/0g/00/${b64}0000.txt`,
    `M00/00/00/${b64}/../x.txt`,
    '<good>-m', // would address the metadata file of the uploaded one
    '/etc/passwd' + 'x'.repeat(40),
  ];

  it.each(hostile)('rejects %s with EINVAL for every command', async (pattern) => {
    const name = pattern.replace('<good>', good);
    const x = Buffer.from('x');
    const requests: [number, Buffer][] = [
      [Cmd.DOWNLOAD_FILE, encodeDownloadRequest({ offset: 0, length: 0, group: 'group1', filename: name })],
      [Cmd.DELETE_FILE, encodeGroupFile({ group: 'group1', filename: name })],
      [Cmd.GET_METADATA, encodeGroupFile({ group: 'group1', filename: name })],
      [Cmd.QUERY_FILE_INFO, encodeGroupFile({ group: 'group1', filename: name })],
      [
        Cmd.SET_METADATA,
        encodeSetMetadataRequest({
          group: 'group1',
          filename: name,
          mode: 'overwrite',
          metadata: packMetadata({ a: 'b' }),
        }),
      ],
      [Cmd.APPEND_FILE, Buffer.concat([encodeAppendHead({ filename: name, fileSize: 1 }), x])],
      [
        Cmd.UPLOAD_SLAVE_FILE,
        Buffer.concat([encodeSlaveHead({ masterFilename: name, fileSize: 1, prefix: '_s', ext: '' }), x]),
      ],
    ];
    for (const [cmd, body] of requests) {
      const r = await s.request(cmd, body);
      expect({ cmd, status: r.status }).toEqual({ cmd, status: 22 });
    }
  });

  it('refuses a foreign group, a slash in the ext, a hostile slave prefix, and a slave named like a meta file', async () => {
    expect(
      (
        await s.request(
          Cmd.DOWNLOAD_FILE,
          encodeDownloadRequest({ offset: 0, length: 0, group: 'group2', filename: good }),
        )
      ).status,
    ).toBe(22);
    expect(
      (
        await s.request(
          Cmd.UPLOAD_FILE,
          Buffer.concat([encodeUploadHead({ storePathIndex: 0, fileSize: 1, ext: '../x' }), Buffer.from('x')]),
        )
      ).status,
    ).toBe(22);
    const slave = (master: string, prefix: string, ext = '') =>
      s.request(
        Cmd.UPLOAD_SLAVE_FILE,
        Buffer.concat([encodeSlaveHead({ masterFilename: master, fileSize: 1, prefix, ext }), Buffer.from('x')]),
      );
    expect((await slave(good, '/../../x')).status).toBe(22);
    const noExt = await upload(s, Buffer.from('no ext'), '');
    expect((await slave(noExt, '-m')).status).toBe(22);
  });

  it('never serves the metadata file as content, and created nothing outside data/', async () => {
    expect(
      unpackMetadata((await s.request(Cmd.GET_METADATA, encodeGroupFile({ group: 'group1', filename: good }))).body),
    ).toEqual({ secret: 'meta' });
    expect(await readdir(root)).toEqual(['base']);
    const files = (await walk(join(root, 'base'))).map((p) => relative(join(root, 'base'), p)).sort();
    expect(files.every((f) => f.startsWith('data/'))).toBe(true);
    const stored = files.filter((f) => !f.startsWith('data/.embedded-state') && f !== 'data/.embedded.lock');
    expect(stored).toHaveLength(3);
    expect(stored).toEqual(
      expect.arrayContaining([
        `data/${good.slice(4)}`,
        `data/${good.slice(4)}-m`,
        expect.stringMatching(/^data\/00\/00\/[A-Za-z0-9_-]{27}\d{7}$/),
      ]),
    );
  });
});

describe('limits and timeouts', () => {
  let server: EmbeddedFdfs;
  let base: string;

  beforeAll(async () => {
    ({ server, basePath: base } = await startEmbedded({
      maxUploadSize: 1024 * 1024,
      networkTimeoutMs: 300,
      idleTimeoutMs: 600,
      maxConnections: 4,
    }));
  });
  afterAll(async () => {
    await server.stop();
    await removeDir(base);
  });

  it('accepts an upload of exactly maxUploadSize', async () => {
    const c = await RawConn.connect(server.storageAddress);
    const name = await upload(c, Buffer.alloc(1024 * 1024, 7));
    expect(name).toMatch(/^M00\//);
    c.destroy();
  });

  it('rejects a bigger upload with EFBIG (file too large) and closes the connection without reading the body', async () => {
    const c = await RawConn.connect(server.storageAddress);
    const size = 1024 * 1024 + 1;
    c.send(
      Cmd.UPLOAD_FILE,
      Buffer.concat([encodeUploadHead({ storePathIndex: 0, fileSize: size, ext: 'bin' }), Buffer.alloc(100 * 1024)]),
      0,
      15 + size,
    );
    const r = await c.reply();
    expect(r.status).toBe(27);
    await c.closedWithin(3000);
    expect(await readdir(join(server.dataDir, '.tmp'))).toEqual([]);
  });

  it('closes a connection whose body stalls for network_timeout, leaving no temp file', async () => {
    const c = await RawConn.connect(server.storageAddress);
    c.send(
      Cmd.UPLOAD_FILE,
      Buffer.concat([encodeUploadHead({ storePathIndex: 0, fileSize: 100, ext: 'bin' }), Buffer.alloc(20)]),
      0,
      115,
    );
    const took = await c.closedWithin(3000);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(c.pending).toBe(0); // no reply
    await new Promise((r) => setTimeout(r, 50));
    expect(await readdir(join(server.dataDir, '.tmp'))).toEqual([]);
  });

  it('closes a connection that stops in the middle of a header, and an idle one', async () => {
    const half = await RawConn.connect(server.storageAddress);
    half.write(encodeHeader(0, Cmd.ACTIVE_TEST).subarray(0, 5));
    expect(await half.closedWithin(3000)).toBeLessThan(600);
    const idle = await RawConn.connect(server.trackerAddress);
    expect((await idle.request(Cmd.ACTIVE_TEST)).status).toBe(0);
    expect(await idle.closedWithin(3000)).toBeGreaterThanOrEqual(500);
  });

  it('closes a connection whose declared body is over the small-request bound', async () => {
    const c = await RawConn.connect(server.storageAddress);
    c.send(Cmd.DELETE_FILE, Buffer.alloc(10), 0, 1024 * 1024);
    expect((await c.reply()).status).toBe(22);
    await c.closedWithin(3000);
  });

  it('serves requests pipelined in one write, in order', async () => {
    const c = await RawConn.connect(server.storageAddress);
    const frame = (text: string) =>
      Buffer.concat([
        encodeHeader(15 + text.length, Cmd.UPLOAD_FILE),
        encodeUploadHead({ storePathIndex: 0, fileSize: text.length, ext: 'txt' }),
        Buffer.from(text),
      ]);
    c.write(Buffer.concat([frame('first'), frame('second!'), encodeHeader(0, Cmd.ACTIVE_TEST)]));
    const sizes = [];
    for (let i = 0; i < 2; i++) {
      const r = await c.reply();
      expect(r.status).toBe(0);
      sizes.push(
        Number(Buffer.from(r.body.subarray(16 + 10, 16 + 37).toString(), 'base64url').readBigUInt64BE(8) & 0xffffffffn),
      );
    }
    expect(sizes).toEqual([5, 7]);
    expect((await c.reply()).status).toBe(0);
    c.destroy();
  });

  it('holds no more than maxConnections connections', async () => {
    const conns = await Promise.all(Array.from({ length: 4 }, () => RawConn.connect(server.trackerAddress)));
    const extra = await RawConn.connect(server.trackerAddress);
    await extra.closedWithin(2000);
    expect((await conns[0]!.request(Cmd.ACTIVE_TEST)).status).toBe(0);
    for (const c of conns) c.destroy();
  });
});

describe('restart', () => {
  it('serves everything stored before, continues the sub dir rotation and the counters', async () => {
    const opts = { fileDistributeRotateCount: 2, subdirCountPerPath: 4 };
    const first = await startEmbedded(opts);
    let s = await RawConn.connect(first.server.storageAddress);
    const names = [];
    for (let i = 0; i < 3; i++) names.push(await upload(s, Buffer.from(`file ${i}`)));
    await s.request(
      Cmd.SET_METADATA,
      encodeSetMetadataRequest({
        group: 'group1',
        filename: names[0]!,
        mode: 'overwrite',
        metadata: packMetadata({ n: '0' }),
      }),
    );
    const app = await upload(s, Buffer.from('app'), 'log', Cmd.UPLOAD_APPENDER_FILE);
    expect(names.map((n) => n.slice(4, 9))).toEqual(['00/00', '00/00', '00/01']);
    s.destroy();
    await first.server.stop();
    const state = JSON.parse(await readFile(join(first.basePath, 'data', '.embedded-state.json'), 'utf8')) as {
      distribution: unknown;
    };
    expect(state.distribution).toEqual({ high: 0, low: 2, writeCount: 0 });

    const second = await startEmbedded(opts, first.basePath);
    s = await RawConn.connect(second.server.storageAddress);
    for (const [i, name] of names.entries()) {
      const r = await s.request(
        Cmd.DOWNLOAD_FILE,
        encodeDownloadRequest({ offset: 0, length: 0, group: 'group1', filename: name }),
      );
      expect(r.body.toString()).toBe(`file ${i}`);
    }
    expect(
      unpackMetadata(
        (await s.request(Cmd.GET_METADATA, encodeGroupFile({ group: 'group1', filename: names[0]! }))).body,
      ),
    ).toEqual({ n: '0' });
    expect(
      (
        await s.request(
          Cmd.APPEND_FILE,
          Buffer.concat([encodeAppendHead({ filename: app, fileSize: 1 }), Buffer.from('!')]),
        )
      ).status,
    ).toBe(0);
    expect((await upload(s, Buffer.from('after restart'))).slice(4, 9)).toBe('00/02');
    const t = await RawConn.connect(second.server.trackerAddress);
    const [stat] = decodeStorageStats(
      (await t.request(Cmd.SERVER_LIST_STORAGE, encodeListStorageRequest('group1'))).body,
    );
    expect(stat?.counters.successUploadCount).toBe(5);
    expect(stat?.counters.successAppendCount).toBe(1);
    t.destroy();
    s.destroy();
    await second.server.stop();
    await removeDir(first.basePath);
  });
});
