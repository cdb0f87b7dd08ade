import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type FSWatcher, writeSync, watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import {
  buildRemoteFilename,
  Cmd,
  decodeFileInfoResponse,
  describeParsed,
  encodeDownloadRequest,
  encodeGroupFile,
  Errno,
  parseRemoteFilename,
  StatusError,
} from 'fastdfs-protocol';
import { type FileCalls, POOLED_CALLS } from '../../../libs/fdfs-embedded/src/storage/fd-io.js';
import { InlineCalls } from '../../../libs/fdfs-embedded/src/storage/inline-calls.js';
import { SMALL_CONTENT_BYTES, writeUnderFreshName } from '../../../libs/fdfs-embedded/src/storage/place.js';
import { Store } from '../../../libs/fdfs-embedded/src/store.js';
import { RawConn, removeDir, startEmbedded, upload } from '../../helpers/raw-client.js';

const G = 'group1';
const download = (filename: string, offset = 0, length = 0) =>
  encodeDownloadRequest({ offset, length, group: G, filename });

/** Names of the entries created in `dir` while it is watched (inotify). */
function watchCreations(dir: string): { names: string[]; close: () => void } {
  const names: string[] = [];
  const watcher: FSWatcher = watch(dir, (_event, name) => {
    if (name !== null) names.push(name);
  });
  return { names, close: () => watcher.close() };
}

const settle = () => new Promise((r) => setTimeout(r, 100));

describe('small files: uploads written under their name, downloads read in one piece', () => {
  let server: EmbeddedFdfs;
  let base: string;
  let s: RawConn;
  const path = (filename: string) => join(server.dataDir, filename.slice(4));

  beforeAll(async () => {
    ({ server, basePath: base } = await startEmbedded());
    s = await RawConn.connect(server.storageAddress);
  });
  afterAll(async () => {
    s.destroy();
    await server.stop();
    await removeDir(base);
  });

  it(`writes content up to ${SMALL_CONTENT_BYTES} bytes without a temp file, larger content through .tmp`, async () => {
    const watcher = watchCreations(join(server.dataDir, '.tmp'));
    try {
      for (const size of [0, 1, 4096, SMALL_CONTENT_BYTES]) {
        const content = randomBytes(size);
        const name = await upload(s, content);
        expect(await readFile(path(name))).toEqual(content);
        expect((await s.request(Cmd.DOWNLOAD_FILE, download(name))).body).toEqual(content);
      }
      await settle();
      expect(watcher.names).toEqual([]);
      // One byte more is streamed into .tmp, then placed: the watcher sees it, and .tmp ends empty.
      const big = randomBytes(SMALL_CONTENT_BYTES + 1);
      const name = await upload(s, big);
      expect(await readFile(path(name))).toEqual(big);
      await settle();
      expect(watcher.names.length).toBeGreaterThan(0);
    } finally {
      watcher.close();
    }
    expect(await readdir(join(server.dataDir, '.tmp'))).toEqual([]);
  });

  it('gives the file the mtime its name encodes, which QUERY_FILE_INFO reports', async () => {
    for (let i = 0; i < 20; i++) {
      const name = await upload(s, Buffer.from(`stamp ${i}`), 'txt');
      const { createTimestamp } = describeParsed(parseRemoteFilename(G, name));
      expect(Math.floor((await stat(path(name))).mtimeMs / 1000)).toBe(createTimestamp);
      const info = decodeFileInfoResponse(
        (await s.request(Cmd.QUERY_FILE_INFO, encodeGroupFile({ group: G, filename: name }))).body,
      );
      expect(info.createTimestamp).toBe(createTimestamp);
    }
  });

  it('makes a sub dir again when someone removed it', async () => {
    const first = await upload(s, Buffer.from('first'));
    const subdir = join(server.dataDir, first.slice(4, 9)); // data/XX/YY
    await rm(subdir, { recursive: true });
    // The rotation moves on every 100 files: the next one goes to the same (now missing) sub dir.
    const second = await upload(s, Buffer.from('second'));
    expect(second.slice(0, 10)).toBe(first.slice(0, 10));
    expect((await readFile(path(second))).toString()).toBe('second');
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(second))).body.toString()).toBe('second');
  });

  it('answers ENOENT for a missing file and EISDIR for a FIFO under a data name, without blocking on it', async () => {
    const name = await upload(s, Buffer.from('soon a fifo'));
    await rm(path(name));
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(name))).status).toBe(Errno.ENOENT);
    execFileSync('mkfifo', [path(name)]);
    // Opened without O_NONBLOCK, a FIFO with no writer would block the open forever.
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(name))).status).toBe(Errno.EISDIR);
    expect((await s.request(Cmd.ACTIVE_TEST)).status).toBe(0);
  });

  it('sends ranges of small files and clips them to the file', async () => {
    const content = randomBytes(5000);
    const name = await upload(s, content);
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(name, 100, 200))).body).toEqual(content.subarray(100, 300));
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(name, 4990, 100))).body).toEqual(content.subarray(4990));
    expect((await s.request(Cmd.DOWNLOAD_FILE, download(name, 5000, 1))).status).toBe(Errno.EINVAL);
  });
});

describe('Store: small writes and reads', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'store-small-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const nameIn = (createTimestamp: number, content: Buffer) =>
    buildRemoteFilename({
      source: '127.0.0.1',
      createTimestamp,
      fileSize: content.length,
      crc32: 0,
      ext: 'bin',
      storePathIndex: 0,
      subdirHigh: 1,
      subdirLow: 2,
    });

  it('removes the partial file when a write fails, leaving nothing under the name', async () => {
    // A disk that fills up after the first 100 bytes of the write.
    const full: FileCalls = {
      ...POOLED_CALLS,
      write: (fd, data, offset, length, position) => {
        writeSync(fd, data, offset, Math.min(length, 100), position);
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    const store = new Store(join(dir, 'full'), G, { reads: POOLED_CALLS, writes: { pick: () => full } });
    await store.init();
    const content = randomBytes(4096);
    await expect(writeUnderFreshName(store, content, (t) => nameIn(t, content))).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect(await readdir(join(store.dataDir, '01', '02'))).toEqual([]);
    expect(await store.pendingTemps()).toBe(0);
  });

  it('never replaces a file: a taken name is EEXIST and the next name is tried', async () => {
    const store = new Store(join(dir, 'taken'), G);
    await store.init();
    const content = Buffer.from('new');
    const taken = store.locate(nameIn(123, content));
    await mkdir(join(store.dataDir, '01', '02'), { recursive: true });
    await writeFile(taken.path, 'old');
    const names: string[] = [];
    // The first name asked for is the taken one; the next is fresh.
    const nameFor = (t: number) => {
      names.push(names.length === 0 ? taken.parsed.filename : nameIn(t, content));
      return names[names.length - 1] as string;
    };
    const placed = await writeUnderFreshName(store, content, nameFor);
    expect(names.length).toBe(2);
    expect(placed.parsed.filename).toBe(names[1]);
    expect((await readFile(taken.path)).toString()).toBe('old');
    expect((await readFile(placed.path)).toString()).toBe('new');
    await expect(store.writeNew(placed.path, Buffer.from('again'), 0)).rejects.toMatchObject({ status: Errno.EEXIST });
    expect(await readFile(placed.path, 'utf8')).toBe('new');
  });

  it('stamps the file with the mtime it is given, even far from now', async () => {
    const store = new Store(join(dir, 'stamp'), G);
    await store.init();
    const target = join(store.dataDir, '00', '00', 'stamped');
    await store.writeNew(target, Buffer.from('x'), 1_000_000_000);
    expect((await stat(target)).mtimeMs).toBe(1_000_000_000_000);
  });

  it('reads the same bytes inline and through the thread pool, after the headroom asked for', async () => {
    const content = randomBytes(10_000);
    const file = join(dir, 'read-me');
    await writeFile(file, content);
    for (const reads of [new InlineCalls(), POOLED_CALLS]) {
      const store = new Store(dir, G, { reads, writes: POOLED_CALLS });
      const whole = await store.readRange(file, (size) => ({ start: 0, length: size }), 65536, 10);
      expect(whole.buffer?.subarray(10)).toEqual(content);
      const part = await store.readRange(file, () => ({ start: 9000, length: 1000 }), 65536, 0);
      expect(part.buffer).toEqual(content.subarray(9000));
      const over = await store.readRange(file, (size) => ({ start: 0, length: size }), 9999, 10);
      expect(over).toEqual({ start: 0, length: 10_000, buffer: null });
      await expect(store.readRange(join(dir, 'nope'), () => ({ start: 0, length: 0 }), 1, 0)).rejects.toMatchObject({
        status: Errno.ENOENT,
      });
      await expect(store.readRange(dir, () => ({ start: 0, length: 0 }), 1, 0)).rejects.toMatchObject({
        status: Errno.EISDIR,
      });
      const refused = new StatusError(Errno.EINVAL, 'refused');
      await expect(
        store.readRange(
          file,
          () => {
            throw refused;
          },
          1,
          0,
        ),
      ).rejects.toBe(refused);
    }
  });

  it('checks free space against a statfs at most a second old, less the bytes accepted since', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = new Store(join(dir, 'space'), G);
    await store.init();
    const { freeBytes } = await store.diskSpace();
    const half = Math.floor(freeBytes / 2) + 1;
    await store.acceptBytes(half);
    await expect(store.acceptBytes(half)).rejects.toMatchObject({ status: Errno.ENOSPC });
    await expect(store.acceptBytes(freeBytes)).rejects.toMatchObject({ status: Errno.ENOSPC });
    // A second later the disk is read again, and what was accepted before is in that reading.
    vi.setSystemTime(Date.now() + 1000);
    await store.acceptBytes(half);
  });
});
