import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type FSWatcher, readSync, writeSync, watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import {
  buildRemoteFilename,
  Cmd,
  decodeFileInfoResponse,
  decodeGroupFile,
  describeParsed,
  encodeAppendHead,
  encodeDownloadRequest,
  encodeGroupFile,
  encodeModifyHead,
  encodeTruncateRequest,
  Errno,
  parseRemoteFilename,
  StatusError,
} from 'fastdfs-protocol';
import { type CallPicker, type FileCalls, POOLED_CALLS } from '../../../libs/fdfs-embedded/src/storage/fd-io.js';
import { InlineCalls } from '../../../libs/fdfs-embedded/src/storage/inline-calls.js';
import { SMALL_CONTENT_BYTES, writeUnderFreshName } from '../../../libs/fdfs-embedded/src/storage/place.js';
import { SmallFileCache } from '../../../libs/fdfs-embedded/src/small-file-cache.js';
import { SMALL_FILE_RECHECK_MS, Store, WHOLE_DOWNLOAD_BYTES } from '../../../libs/fdfs-embedded/src/store.js';
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

  it('downloads of a file kept in memory follow every change: append, modify, truncate, regenerate, delete', async () => {
    const get = async (filename: string) => {
      const reply = await s.request(Cmd.DOWNLOAD_FILE, download(filename));
      return reply.status === 0 ? reply.body.toString() : reply.status;
    };
    const twice = async (filename: string) => [await get(filename), await get(filename)];
    const ok = async (cmd: number, body: Buffer) => expect((await s.request(cmd, body)).status).toBe(0);
    const name = await upload(s, Buffer.from('hello'), 'log', Cmd.UPLOAD_APPENDER_FILE);
    expect(await twice(name)).toEqual(['hello', 'hello']);
    await ok(
      Cmd.APPEND_FILE,
      Buffer.concat([encodeAppendHead({ filename: name, fileSize: 6 }), Buffer.from(' world')]),
    );
    expect(await twice(name)).toEqual(['hello world', 'hello world']);
    // The same size: only the file's lock (and its ctime) says it changed.
    await ok(
      Cmd.MODIFY_FILE,
      Buffer.concat([encodeModifyHead({ filename: name, offset: 6, fileSize: 1 }), Buffer.from('W')]),
    );
    expect(await twice(name)).toEqual(['hello World', 'hello World']);
    await ok(Cmd.TRUNCATE_FILE, encodeTruncateRequest({ filename: name, truncatedSize: 5 }));
    expect(await twice(name)).toEqual(['hello', 'hello']);
    const regen = await s.request(Cmd.REGENERATE_APPENDER_FILENAME, Buffer.from(name));
    expect(regen.status).toBe(0);
    const normal = decodeGroupFile(regen.body).filename;
    expect(await get(name)).toBe(Errno.ENOENT);
    expect(await twice(normal)).toEqual(['hello', 'hello']);
    await ok(Cmd.DELETE_FILE, encodeGroupFile({ group: G, filename: normal }));
    expect(await get(normal)).toBe(Errno.ENOENT);
  });

  it(`downloads of a file kept in memory see it rewritten, removed or replaced on disk after ${SMALL_FILE_RECHECK_MS} ms`, async () => {
    const name = await upload(s, Buffer.from('first'));
    const get = async () => {
      const reply = await s.request(Cmd.DOWNLOAD_FILE, download(name));
      return reply.status === 0 ? reply.body.toString() : reply.status;
    };
    const recheck = () => new Promise((r) => setTimeout(r, SMALL_FILE_RECHECK_MS + 20));
    expect([await get(), await get()]).toEqual(['first', 'first']);
    await settle(); // a later ctime, whatever the granularity of the kernel's clock
    await writeFile(path(name), 'again'); // the same size, in place
    await recheck();
    expect([await get(), await get()]).toEqual(['again', 'again']);
    await rm(path(name));
    await recheck();
    expect(await get()).toBe(Errno.ENOENT);
    await writeFile(path(name), 'third');
    expect([await get(), await get()]).toEqual(['third', 'third']);
    await rm(path(name));
    execFileSync('mkfifo', [path(name)]);
    await recheck();
    expect(await get()).toBe(Errno.EISDIR);
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

  it('reads the same bytes inline and through the thread pool, after the head asked for', async () => {
    const content = randomBytes(10_000);
    const file = join(dir, 'read-me');
    await writeFile(file, content);
    const head = (length: number) => Buffer.from(`<${length}>`);
    const none = () => Buffer.alloc(0);
    for (const reads of [new InlineCalls(), POOLED_CALLS]) {
      const store = new Store(dir, G, { reads, writes: POOLED_CALLS });
      const whole = await store.readRange(file, (size) => ({ start: 0, length: size }), 65536, head);
      expect(whole.buffer).toEqual(Buffer.concat([head(10_000), content]));
      const part = await store.readRange(file, () => ({ start: 9000, length: 1000 }), 65536, none);
      expect(part.buffer).toEqual(content.subarray(9000));
      const over = await store.readRange(file, (size) => ({ start: 0, length: size }), 9999, head);
      expect(over).toEqual({ start: 0, length: 10_000, buffer: null });
      await expect(store.readRange(join(dir, 'nope'), () => ({ start: 0, length: 0 }), 1, none)).rejects.toMatchObject({
        status: Errno.ENOENT,
      });
      await expect(store.readRange(dir, () => ({ start: 0, length: 0 }), 1, none)).rejects.toMatchObject({
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
          none,
        ),
      ).rejects.toBe(refused);
    }
  });

  it('answers a whole small file from memory, parts of it too, and sees a change on disk within recheckMs', async () => {
    const content = randomBytes(3000);
    const file = join(dir, 'hot');
    await writeFile(file, content);
    const head = (length: number) => Buffer.from(`<${length}>`);
    let now = 0;
    const smallFiles = new SmallFileCache(1 << 20, 65536, 100, () => now);
    const store = new Store(dir, G, undefined, smallFiles);
    const whole = () => store.readRange(file, (size) => ({ start: 0, length: size }), 65536, head);
    const first = (await whole()).buffer;
    expect(first).toEqual(Buffer.concat([head(3000), content]));
    expect((await whole()).buffer).toBe(first); // the same buffer: no read, no copy
    // Kept, it holds its own memory: a slice of Node's shared 8 KiB pool would pin the whole slab.
    expect(first?.buffer.byteLength).toBe(first?.length);
    now = 100; // checked again by a stat: unchanged
    expect((await whole()).buffer).toBe(first);
    const part = await store.readRange(file, () => ({ start: 10, length: 20 }), 65536, head);
    expect(part.buffer).toEqual(Buffer.concat([head(20), content.subarray(10, 30)]));
    expect(await store.readRange(file, (size) => ({ start: 0, length: size }), 2999, head)).toEqual({
      start: 0,
      length: 3000,
      buffer: null,
    });
    // Rewritten behind the store's back (same size, a later ctime): seen once the entry is rechecked.
    const other = randomBytes(3000);
    await new Promise((r) => setTimeout(r, 20)); // a later ctime, whatever the clock's granularity
    await writeFile(file, other);
    expect((await whole()).buffer).toBe(first);
    now = 200;
    expect((await whole()).buffer).toEqual(Buffer.concat([head(3000), other]));
    await rm(file);
    now = 300;
    await expect(whole()).rejects.toMatchObject({ status: Errno.ENOENT });
    expect(smallFiles.usage.entries).toBe(0);
  });

  it('reads a picture of up to WHOLE_DOWNLOAD_BYTES whole and keeps it; a larger file is left to the stream', async () => {
    const store = new Store(dir, G); // the default SmallFileCache
    const head = (length: number) => Buffer.from(`<${length}>`);
    const whole = (file: string) =>
      store.readRange(file, (size) => ({ start: 0, length: size }), WHOLE_DOWNLOAD_BYTES, head);
    const picture = randomBytes(614_755); // the crop bench's source: over the 256 KiB of uploads
    await writeFile(join(dir, 'picture'), picture);
    const first = (await whole(join(dir, 'picture'))).buffer;
    expect(first).toEqual(Buffer.concat([head(picture.length), picture]));
    expect((await whole(join(dir, 'picture'))).buffer).toBe(first); // kept: no open, read or copy
    await writeFile(join(dir, 'large'), Buffer.alloc(WHOLE_DOWNLOAD_BYTES + 1));
    expect(await whole(join(dir, 'large'))).toEqual({ start: 0, length: WHOLE_DOWNLOAD_BYTES + 1, buffer: null });
  });

  it('forgets a file changed under its lock, even when a stat cannot tell, and a read racing the change', async () => {
    const file = join(dir, 'locked');
    await writeFile(file, 'old!');
    // A stat that always shows the file as it was: a change within one tick of a coarse clock.
    const frozen = await stat(file);
    let gate: Promise<void> = Promise.resolve();
    const calls: FileCalls & CallPicker = {
      ...POOLED_CALLS,
      stat: () => frozen,
      // The bytes are read at once, handed back when `gate` opens: a read that saw the old content.
      read: async (fd, buf, offset, length, position) => {
        const n = readSync(fd, buf, offset, length, position);
        await gate;
        return n;
      },
      pick: () => calls,
    };
    const store = new Store(dir, G, { reads: calls, writes: POOLED_CALLS });
    const none = () => Buffer.alloc(0);
    const whole = async () =>
      String((await store.readRange(file, (size) => ({ start: 0, length: size }), 100, none)).buffer);
    expect(await whole()).toBe('old!');
    await store.withLock(file, () => writeFile(file, 'new!'));
    expect(await whole()).toBe('new!');
    expect(await whole()).toBe('new!'); // cached again, and still right

    let open = (): void => undefined;
    gate = new Promise((resolve) => (open = resolve));
    await store.withLock(file, () => writeFile(file, 'old?')); // forgets 'new!'
    const racing = whole(); // reads 'old?', then waits for the gate
    await new Promise((r) => setTimeout(r, 20));
    await store.withLock(file, () => writeFile(file, 'new?'));
    open();
    expect(await racing).toBe('old?'); // read before the change: fine for that download
    gate = Promise.resolve();
    expect(await whole()).toBe('new?'); // but it was not kept
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
