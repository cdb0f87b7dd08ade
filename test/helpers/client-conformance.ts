import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFileId, ErrorCode, FdfsClient, ProtocolError } from 'fastdfs-client-ts';
import { main as fdfsCli } from '../../libs/fastdfs-client-ts/src/cli/main.js';
import { cTool, hasCTools, writeClientConf } from './c-tools.js';

export interface ConformanceTarget {
  /** Tracker `host:port`; read after the server has started. */
  tracker: () => string;
  group: string;
  /** Uploads for the concurrency check (1000 per the issue). */
  concurrentUploads: number;
}

/** Runs the fdfs CLI in-process and captures what it prints. */
export async function runCli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString('utf8'));
        cb();
      },
    });
  const code = await fdfsCli(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env: {},
    cwd,
  });
  return { code, stdout, stderr };
}

/**
 * What changed between the FastDFS versions this suite runs against (fastdfs/HISTORY), read
 * from the version the storage reports to the tracker (LIST_STORAGE's `version`, as
 * fdfs_monitor prints it), so no setting names the version under test.
 */
export interface ServerBehaviour {
  version: string;
  /**
   * 6.15.4+, "download_file offset and bytes's logic is consistent with the range of HTTP": a
   * length past the end is clipped, an offset at or past the end is EINVAL. Before: a length
   * past the end is EINVAL, an offset at the end gets no bytes, one past it a reply header with
   * a negative length (9 bytes of it at size + 1), which the client fails as a ProtocolError.
   */
  httpRangeDownload: boolean;
  /** 6.15.1+: QUERY_FILE_INFO computes a slave file's CRC32; before, the master's (from the name). */
  slaveCrc32: boolean;
}

export function serverBehaviour(version: string): ServerBehaviour {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (m === null) throw new Error(`storage version ${JSON.stringify(version)} is not N.N[.N]`);
  const n = Number(m[1]) * 10_000 + Number(m[2]) * 100 + Number(m[3] ?? 0);
  return { version, httpRangeDownload: n >= 61504, slaveCrc32: n >= 61501 };
}

/**
 * Milliseconds of silence the suite's clients allow: well under the tests' own timeout, so a
 * connection that stopped answering fails as FDFS_ERR_NETWORK_TIMEOUT, not as a test timeout.
 */
const NETWORK_TIMEOUT = 15_000;

/**
 * Every client command against a live FastDFS over real sockets, plus interoperability with
 * the C tools when they are installed. Shared by the embedded server's tests and the real
 * FastDFS interop test so that both are held to the same behaviour, and to the behaviour of
 * the version they report where FastDFS versions differ (ServerBehaviour).
 */
export function clientConformance(name: string, target: ConformanceTarget): void {
  describe(`fastdfs-client-ts against ${name}`, () => {
    let client: FdfsClient;
    let dir: string;
    let server: ServerBehaviour;
    const created: string[] = [];

    beforeAll(async () => {
      client = new FdfsClient({ trackers: [target.tracker()], pool: { maxSize: 10 }, networkTimeout: NETWORK_TIMEOUT });
      dir = await mkdtemp(join(tmpdir(), 'fdfs-conformance-'));
      const store = await client.queryStore(target.group);
      const storages = await client.listStorages(target.group);
      const storage = storages.find((s) => s.storagePort === store.port) ?? storages[0];
      server = serverBehaviour(storage?.version ?? '');
    });

    afterAll(async () => {
      await Promise.all(created.map((id) => client.delete(id).catch(() => undefined)));
      await client.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('answers the tracker queries', async () => {
      const store = await client.queryStore();
      expect(store.group).toBe(target.group);
      expect(store.port).toBeGreaterThan(0);
      expect(await client.queryStore(target.group)).toEqual(store);
      const all = await client.queryStoreAll(target.group);
      expect(all.storages).toContainEqual({ host: store.host, port: store.port });
      const groups = await client.listGroups();
      expect(groups.map((g) => g.group)).toContain(target.group);
      const group = await client.listGroup(target.group);
      expect(group.storageCount).toBeGreaterThanOrEqual(1);
      expect(group.subdirCountPerPath).toBeGreaterThan(0);
      const storages = await client.listStorages(target.group);
      expect(storages.some((s) => s.storagePort === store.port && s.status === 7)).toBe(true);
      await expect(client.listGroup('nosuchgroup')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      await expect(client.queryStore('nosuchgroup')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      await client.activeTest();
      await client.activeTest(`${store.host}:${store.port}`);
    });

    it('uploads, downloads whole and in ranges, and reports file info', async () => {
      const content = randomBytes(5000);
      const id = await client.upload(content, { ext: 'bin' });
      created.push(id);
      const info = decodeFileId(id);
      expect(info).toMatchObject({ group: target.group, type: 'normal', fileSize: 5000, ext: 'bin' });
      expect(info.crc32).toBe(crc32(content));
      expect(Math.abs(info.createTimestamp - Date.now() / 1000)).toBeLessThan(120);
      expect(await client.download(id)).toEqual(content);
      expect(await client.download(id, { offset: 100, length: 50 })).toEqual(content.subarray(100, 150));
      expect(await client.download(id, { offset: 4990 })).toEqual(content.subarray(4990));
      expect(await client.download(id, { offset: 4990, length: 10 })).toEqual(content.subarray(4990));
      const remote = await client.queryFileInfo(id);
      expect(remote).toMatchObject({ fileSize: 5000, crc32: crc32(content), sourceIp: info.sourceIp });
      expect((await client.queryFetch(id)).storages).toHaveLength(1);
      expect((await client.queryFetchAll(id)).storages.length).toBeGreaterThanOrEqual(1);
      expect((await client.queryUpdate(id)).group).toBe(target.group);
    });

    it('reads up to and past the end of a file as the server version does, failing fast, never hanging', async () => {
      const content = randomBytes(5000);
      const id = await client.upload(content, { ext: 'bin' });
      created.push(id);
      // One connection: a refused request's connection, were it reused, would serve the next one.
      const one = new FdfsClient({
        trackers: [target.tracker()],
        pool: { maxSize: 1 },
        networkTimeout: NETWORK_TIMEOUT,
      });
      const storagePool = () => one.status().pools.find((p) => p.address !== one.status().trackers[0]?.address);
      try {
        const refused = {
          code: ErrorCode.INVALID_REQUEST,
          status: 22,
          message: expect.stringMatching(/\(status 22\) \(offset \d+, length \d+: FastDFS 6\.15\.4\+ refuses/),
        };
        if (server.httpRangeDownload) {
          expect(await one.download(id, { offset: 4990, length: 1000 })).toEqual(content.subarray(4990));
          for (const offset of [5000, 5001, 5002, 6000]) {
            await expect(one.download(id, { offset })).rejects.toMatchObject(refused);
            await expect(one.downloadStream(id, { offset })).rejects.toMatchObject(refused);
          }
        } else {
          await expect(one.download(id, { offset: 4990, length: 1000 })).rejects.toMatchObject(refused);
          await expect(one.downloadStream(id, { offset: 4990, length: 11 })).rejects.toMatchObject(refused);
          expect(await one.download(id, { offset: 5000 })).toEqual(Buffer.alloc(0));
          for (const offset of [5001, 5002, 6000]) {
            await expect(one.download(id, { offset })).rejects.toBeInstanceOf(ProtocolError);
            await expect(one.downloadStream(id, { offset })).rejects.toBeInstanceOf(ProtocolError);
          }
        }
        // Each refused connection was closed, as the C client does: the pool holds none.
        expect(storagePool()).toMatchObject({ size: 0, idle: 0 });
        expect(await one.download(id, { offset: 10, length: 20 })).toEqual(content.subarray(10, 30));
        expect(storagePool()).toMatchObject({ size: 1, idle: 1 });
        // ENOENT is the one refusal after which the connection is kept (and still answered on).
        const gone = await one.upload(Buffer.from('short-lived'), { ext: 'txt' });
        await one.delete(gone);
        await expect(one.download(gone)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, status: 2 });
        expect(storagePool()).toMatchObject({ size: 1, idle: 1 });
        expect(await one.download(id)).toEqual(content);
      } finally {
        await one.close();
      }
    });

    it('uploads from a stream of known size and streams a download larger than the buffers', async () => {
      const big = randomBytes(6 * 1024 * 1024 + 123);
      const path = join(dir, 'big.bin');
      await writeFile(path, big);
      const id = await client.upload(createReadStream(path, { highWaterMark: 256 * 1024 }), {
        size: big.length,
        ext: 'bin',
      });
      created.push(id);
      const stream = await client.downloadStream(id);
      expect(stream.contentLength).toBe(big.length);
      const hash = createHash('sha256');
      let chunks = 0;
      for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        chunks++;
      }
      expect(hash.digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
      expect(chunks).toBeGreaterThan(10);
      const ranged = await client.downloadStream(id, { offset: 1_000_000, length: 10 });
      const parts: Buffer[] = [];
      for await (const chunk of ranged) parts.push(chunk as Buffer);
      expect(Buffer.concat(parts)).toEqual(big.subarray(1_000_000, 1_000_010));
      // Both connections went back to the pool.
      const storagePool = client
        .status()
        .pools.find((p) => p.busy === 0 && p.idle > 0 && !p.address.endsWith(target.tracker().split(':')[1] as string));
      expect(storagePool).toBeDefined();
    });

    it('sets, merges and reads metadata', async () => {
      const id = await client.upload(Buffer.from('meta'), { ext: 'txt', metadata: { width: '800', height: '600' } });
      created.push(id);
      expect(await client.getMetadata(id)).toEqual({ height: '600', width: '800' });
      await client.setMetadata(id, { width: '1024', author: 'x' }, 'merge');
      expect(await client.getMetadata(id)).toEqual({ author: 'x', height: '600', width: '1024' });
      await client.setMetadata(id, { only: '1' }, 'overwrite');
      expect(await client.getMetadata(id)).toEqual({ only: '1' });
      await client.setMetadata(id, {}, 'overwrite');
      await expect(client.getMetadata(id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    });

    it('handles slave files', async () => {
      const master = await client.upload(Buffer.from('master picture'), { ext: 'jpg' });
      created.push(master);
      const slave = await client.uploadSlave(master, Buffer.from('thumbnail'), { prefix: '_150x150' });
      created.push(slave);
      expect(slave).toBe(master.replace(/\.jpg$/, '_150x150.jpg'));
      expect(decodeFileId(slave).type).toBe('slave');
      expect((await client.download(slave)).toString()).toBe('thumbnail');
      const info = await client.fileInfo(slave);
      const slaveCrc32 = crc32(Buffer.from(server.slaveCrc32 ? 'thumbnail' : 'master picture'));
      expect(info).toMatchObject({ fromServer: true, fileSize: 9, crc32: slaveCrc32 });
      await expect(client.uploadSlave(master, Buffer.from('again'), { prefix: '_150x150' })).rejects.toMatchObject({
        code: ErrorCode.ALREADY_EXISTS,
      });
    });

    it('handles appender files: append, modify, truncate, regenerate', async () => {
      const id = await client.uploadAppender(Readable.from([Buffer.from('abc'), Buffer.from('def')]), {
        size: 6,
        ext: 'log',
      });
      expect(decodeFileId(id).type).toBe('appender');
      await client.append(id, Buffer.from('ghi'));
      await client.modify(id, 1, Buffer.from('XY'));
      expect((await client.download(id)).toString()).toBe('aXYdefghi');
      await client.truncate(id, 4);
      expect((await client.download(id)).toString()).toBe('aXYd');
      expect(await client.fileInfo(id)).toMatchObject({
        type: 'appender',
        fromServer: true,
        fileSize: 4,
        crc32: crc32(Buffer.from('aXYd')),
      });
      const normal = await client.regenerateAppenderFilename(id);
      created.push(normal);
      expect(decodeFileId(normal)).toMatchObject({ type: 'normal', fileSize: 4, crc32: crc32(Buffer.from('aXYd')) });
      expect((await client.download(normal)).toString()).toBe('aXYd');
      await expect(client.download(id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      await expect(client.append(normal, Buffer.from('x'))).rejects.toBeDefined();
    });

    it('deletes, and a deleted file is not found', async () => {
      const id = await client.upload(Buffer.from('short-lived'), { ext: 'txt' });
      await client.delete(id);
      await expect(client.download(id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, status: 2 });
      await expect(client.delete(id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      await expect(client.queryFileInfo(id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    });

    it(`takes ${target.concurrentUploads} concurrent uploads through a pool of 10 with none failing`, async () => {
      const pool = new FdfsClient({ trackers: [target.tracker()], pool: { maxSize: 10 } });
      try {
        const bodies = Array.from({ length: target.concurrentUploads }, (_, i) =>
          Buffer.from(`picture ${i} ${'x'.repeat(i % 97)}`),
        );
        const ids = await Promise.all(bodies.map((b) => pool.upload(b, { ext: 'jpg' })));
        created.push(...ids);
        expect(new Set(ids).size).toBe(bodies.length);
        ids.forEach((id, i) =>
          expect(decodeFileId(id)).toMatchObject({ fileSize: bodies[i]?.length, crc32: crc32(bodies[i] as Buffer) }),
        );
        const sample = [0, Math.floor(ids.length / 2), ids.length - 1];
        for (const i of sample) expect(await pool.download(ids[i] as string)).toEqual(bodies[i]);
        for (const p of pool.status().pools) expect(p.size).toBeLessThanOrEqual(10);
      } finally {
        await pool.close();
      }
    }, 120_000);

    describe.skipIf(!hasCTools)('interoperability with the FastDFS C tools', () => {
      let conf: string;
      beforeAll(async () => {
        conf = await writeClientConf(dir, target.tracker());
      });

      it('fdfs_upload_file → fdfs CLI download, info and delete', async () => {
        const local = join(dir, 'from-c.png');
        const content = randomBytes(3000);
        await writeFile(local, content);
        const id = (await cTool('fdfs_upload_file', [conf, local])).stdout.trim();
        expect(decodeFileId(id)).toMatchObject({ group: target.group, fileSize: 3000, ext: 'png' });
        const out = join(dir, 'c-to-cli.png');
        expect((await runCli(['--conf', conf, 'download', id, out], dir)).code).toBe(0);
        expect(await readFile(out)).toEqual(content);
        const cInfo = (await cTool('fdfs_file_info', [conf, id])).stdout.trim();
        expect((await runCli(['--tracker', target.tracker(), 'info', id], dir)).stdout.trim()).toBe(cInfo);
        expect((await runCli(['--conf', conf, 'delete', id], dir)).code).toBe(0);
        await expect(client.download(id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      });

      it('fdfs CLI upload → fdfs_download_file, fdfs_file_info and fdfs_delete_file', async () => {
        const local = join(dir, 'from-cli.jpg');
        const content = randomBytes(70_000);
        await writeFile(local, content);
        const up = await runCli(['--tracker', target.tracker(), 'upload', local], dir);
        expect(up.code).toBe(0);
        const id = up.stdout.trim();
        expect(up.stdout).toBe(`${id}\n`); // the file id alone
        const out = join(dir, 'cli-to-c.jpg');
        await cTool('fdfs_download_file', [conf, id, out]);
        expect(await readFile(out)).toEqual(content);
        const cInfo = (await cTool('fdfs_file_info', [conf, id])).stdout;
        expect(cInfo).toContain(`file size: ${content.length}`);
        expect(cInfo).toContain(
          `file crc32: ${crc32(content) | 0} (0x${crc32(content).toString(16).padStart(8, '0')})`,
        );
        await cTool('fdfs_delete_file', [conf, id]);
        expect((await runCli(['--conf', conf, 'download', id, join(dir, 'gone')], dir)).code).toBe(1);
      });

      it('fdfs_upload_appender + fdfs_append_file are read back by the client', async () => {
        const local = join(dir, 'appender.txt');
        await writeFile(local, 'first;');
        const id = (await cTool('fdfs_upload_appender', [conf, local])).stdout.trim();
        created.push(id);
        await writeFile(local, 'second;');
        await cTool('fdfs_append_file', [conf, id, local]);
        expect((await client.download(id)).toString()).toBe('first;second;');
        expect(decodeFileId(id).type).toBe('appender');
      });
    });
  });
}

function crc32(buf: Buffer): number {
  return zlibCrc32(buf);
}

import { crc32 as zlibCrc32 } from 'node:zlib';
