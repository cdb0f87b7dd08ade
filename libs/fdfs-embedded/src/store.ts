import { randomUUID } from 'node:crypto';
import { closeSync, constants, fstatSync, futimes, type Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, rm, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import { FileLocks } from './file-locks.js';
import { invalid, notFound } from './status.js';
import { type CachedFile, SmallFileCache } from './small-file-cache.js';
import { type CallPicker, type FileCalls, openFd, readFully, writeAll } from './storage/fd-io.js';
import { InlineCalls } from './storage/inline-calls.js';
import { Errno, hex2, type ParsedFileId, parseRemoteFilename, StatusError } from 'fastdfs-protocol';

/** Where a remote filename lives on disk, after every check (see `locate`). */
export interface Located {
  parsed: ParsedFileId;
  path: string;
}

export interface Received {
  tmpPath: string;
  size: number;
  crc32: number;
  /** mtime of the written file, seconds: the timestamp FastDFS puts in the name (storage_service.c 2290-2303). */
  mtime: number;
}

export interface DiskSpace {
  totalMb: number;
  freeMb: number;
  freeBytes: number;
}

/** Bytes of a file to send: `length` bytes from `start`. */
export interface ByteRange {
  start: number;
  length: number;
}

/** What Store.readRange found: the range, and its content when it was small enough to read. */
export interface RangeRead extends ByteRange {
  /**
   * `headroom` free bytes, then the range's bytes (fewer if the file shrank meanwhile); null when
   * the range is over the limit (the caller streams it).
   */
  buffer: Buffer | null;
}

/** Who picks, per operation, how small reads and writes are made: inline or in the thread pool (InlineCalls). */
export interface StoreIo {
  reads: CallPicker;
  writes: CallPicker;
}

/** FDFS_STORAGE_META_FILE_EXT: metadata of `x` is stored in `x-m`. */
export const META_SUFFIX = '-m';

/**
 * How long a statfs reading serves the free-space check and the tracker's disk figures. The C
 * storage reads it on a timer too (tracker_report_df_stat every stat_report_interval,
 * storage/tracker_client_thread.c 491-500, 2209-2260), not per upload; bytes accepted since the
 * reading are counted against it.
 */
export const DISK_SPACE_TTL_MS = 1000;

/**
 * A download of at most this many bytes is read into one buffer and sent in one write; a larger
 * one is streamed from disk after the header (a few thread-pool reads, a write each, an open and a
 * close through the pool too: ~1 ms of CPU more for a 600 KB picture on the bench VM). 1 MiB
 * covers most pictures, and it is what a connection may hold unread anyway (socket-flow.ts
 * HIGH_WATER): with maxConnections (256) the downloads hold at most 256 MiB at once.
 */
export const WHOLE_DOWNLOAD_BYTES = 1024 * 1024;
/**
 * The SmallFileCache of downloads: files up to SMALL_FILE_CACHE_FILE_BYTES (any file read whole),
 * SMALL_FILE_CACHE_BYTES in all. Enough for a hot set of a few thousand thumbnails or a few dozen
 * pictures; the page cache keeps the rest, at the cost of an open, a read and a close per download.
 */
export const SMALL_FILE_CACHE_BYTES = 16 * 1024 * 1024;
export const SMALL_FILE_CACHE_FILE_BYTES = WHOLE_DOWNLOAD_BYTES;
/**
 * How long a file's entry is served after a stat showed it unchanged, before another: a file
 * changed on disk behind the store's back is seen this late at most (the store's own changes at
 * once). Against a stat per download of a hot file, one per file every 100 ms.
 */
export const SMALL_FILE_RECHECK_MS = 100;

/** O_NONBLOCK: opening a FIFO planted under a data name returns at once (then refused: not a regular file). */
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * The disk side of the storage: `<base>/data/XX/YY/<name>` plus `<name>-m` metadata files,
 * and `<base>/data/.tmp/` for the temp files of content streamed in (uploads over 256 KiB, slave
 * uploads, appends, modifies) and of metadata being rewritten. Same file system, so placing a finished file is a
 * link/rename, never a copy. A small upload, whole in memory, is written straight under its final
 * name (writeNew). No file id reaches `.tmp`: `locate` builds `data/<2 hex>/<2 hex>/<basename>` and
 * a basename has no `/` and starts with 27 base64 chars, so it is never `.` or `..`.
 */
export class Store {
  readonly dataDir: string;
  readonly tmpDir: string;
  private readonly locks = new FileLocks();
  /** The last statfs (in flight or done) and when it started; bytes accepted since then. */
  private space: { at: number; reading: Promise<DiskSpace> } | null = null;
  private acceptedSince = 0;

  constructor(
    basePath: string,
    readonly groupName: string,
    private readonly io: StoreIo = { reads: new InlineCalls(), writes: new InlineCalls() },
    /** Whole small files read by downloads (readRange); a file's entry goes when its lock is released. */
    readonly smallFiles = new SmallFileCache(
      SMALL_FILE_CACHE_BYTES,
      SMALL_FILE_CACHE_FILE_BYTES,
      SMALL_FILE_RECHECK_MS,
    ),
  ) {
    this.dataDir = join(basePath, 'data');
    this.tmpDir = join(this.dataDir, '.tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true });
    // Anything left in .tmp was being received or rewritten when the process died (ENOSPC, SIGKILL).
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  /**
   * Validates a remote filename from the network and maps it to a path under data/.
   * Mirrors storage_split_filename_ex + fdfs_check_data_filename (EINVAL for a bad name or a
   * store path index other than 0, storage/trunk_mgr/trunk_shared.c 230-257,
   * common/fdfs_global.c 33-63), and is stricter: the name must be a FastDFS name
   * (parseRemoteFilename) and must not end in `-m`, which would address a metadata file.
   */
  locate(filename: string): Located {
    let parsed: ParsedFileId;
    try {
      parsed = parseRemoteFilename(this.groupName, filename);
    } catch (err) {
      throw invalid((err as Error).message);
    }
    if (parsed.storePathIndex !== 0) throw invalid(`store path index ${parsed.storePathIndex} does not exist`);
    if (filename.endsWith(META_SUFFIX)) throw invalid('filenames ending in -m address metadata files');
    // Joined by hand: path.join would normalize a path that needs none (dataDir is normalized, the
    // sub dirs are two hex digits, the basename starts with base64 chars and has no separator),
    // and that was 2% of a small download's CPU time.
    const path = this.dataDir + sep + hex2(parsed.subdirHigh) + sep + hex2(parsed.subdirLow) + sep + parsed.basename;
    if (!path.startsWith(this.dataDir + sep)) throw invalid('filename escapes the store path');
    return { parsed, path };
  }

  /** The group check every storage command makes first: a foreign group is EINVAL on the storage. */
  checkGroup(group: string): void {
    if (group !== this.groupName) throw invalid(`group ${JSON.stringify(group)} is not ${this.groupName}`);
  }

  /** lstat of a data file: ENOENT when missing, EINVAL when not a regular file (storage_service.c 7784-7811). */
  async regularFile(path: string, follow = false): Promise<Stats> {
    let st: Stats;
    try {
      st = follow ? await stat(path) : await lstat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`no such file ${path}`);
      throw err;
    }
    if (!st.isFile()) throw new StatusError(follow ? Errno.EISDIR : Errno.EINVAL, `${path} is not a regular file`);
    return st;
  }

  async exists(path: string): Promise<boolean> {
    try {
      await lstat(path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * Runs `fn`, which creates something at `path`; when it fails with ENOENT, creates the sub dir
   * of `path` and runs it once more. So a sub dir is made the first time a file goes there, and
   * again if someone removed it, at no cost while it exists (no mkdir or stat per upload).
   */
  async inSubdir<T>(path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await mkdir(dirname(path), { recursive: true });
    return fn();
  }

  /**
   * Creates `path` (never replacing a file: EEXIST) with `data`, its mtime `mtime` (seconds: the
   * timestamp its name encodes). The create goes through the thread pool (it changes a directory:
   * tens to hundreds of µs in the kernel, which the event loop need not wait for); the write is
   * inline while the page cache takes it (InlineCalls); fstat and close are inline (fd-io.ts). If
   * the write fails (ENOSPC, EIO) the partial file is removed before the error goes on: nothing is
   * left under the name. A process killed between the create and the close can leave a partial
   * file under this fresh name, whose upload was never acknowledged.
   */
  async writeNew(path: string, data: Uint8Array, mtime: number): Promise<void> {
    let fd: number;
    try {
      fd = await this.inSubdir(path, () => openFd(path, 'wx'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new StatusError(Errno.EEXIST, `${path} exists`);
      throw err;
    }
    let open = true;
    try {
      await writeAll(this.io.writes.pick(), fd, data, 0);
      // The kernel stamps the write with its own (coarse) clock: a second boundary between the
      // name's timestamp and the write is mended, so the mtime is what the name says.
      if (Math.floor(fstatSync(fd).mtimeMs / 1000) !== mtime) await futimesFd(fd, mtime);
      open = false;
      closeSync(fd);
    } catch (err) {
      if (open) closeQuietly(fd);
      await this.discard(path);
      throw err;
    }
  }

  /**
   * Receives `size` bytes into a temp file in .tmp, computing the CRC32 on the way: content that
   * may arrive slowly or be too large to hold. The temp file is removed if anything fails
   * (stalled or closed connection, full disk).
   */
  async receive(size: number, stream: (sink: (chunk: Buffer) => Promise<void>) => Promise<void>): Promise<Received> {
    const tmpPath = join(this.tmpDir, randomUUID());
    const fd = await openFd(tmpPath, 'wx');
    let crc = 0;
    let at = 0;
    let open = true;
    try {
      await stream(async (chunk) => {
        crc = crc32(chunk, crc);
        await writeAll(this.io.writes.pick(), fd, chunk, at);
        at += chunk.length;
      });
      const { mtimeMs } = fstatSync(fd);
      open = false;
      closeSync(fd);
      return { tmpPath, size, crc32: crc >>> 0, mtime: Math.floor(mtimeMs / 1000) };
    } catch (err) {
      if (open) closeQuietly(fd);
      await this.discard(tmpPath);
      throw err;
    }
  }

  /**
   * Reads a range of a data file: ENOENT when missing, EISDIR when not a regular file (a symlink
   * is followed, as stat does). `rangeOf(size)` picks the range or throws to refuse. A range up to
   * `limit` bytes is returned in one buffer, after the bytes `head(length)` gives (a reply
   * header), with the open and the read inline while those are page-cache hits (InlineCalls),
   * else in the thread pool; fstat and close always inline. A whole file up to
   * SMALL_FILE_CACHE_FILE_BYTES is kept as read (SmallFileCache, which says how it stays right)
   * and answered from memory: `head` must depend on the length only, and the buffer returned may
   * be shared by other replies, so it is never to be written to.
   */
  async readRange(
    path: string,
    rangeOf: (size: number) => ByteRange,
    limit: number,
    head: (length: number) => Uint8Array,
  ): Promise<RangeRead> {
    const calls = this.io.reads.pick();
    const cached = this.smallFiles.recent(path) ?? (await this.checkCached(calls, path));
    if (cached !== undefined) return rangeOfCached(cached, rangeOf, limit, head);
    const generation = this.smallFiles.generation;
    let fd: number;
    try {
      fd = await calls.open(path, READ_FLAGS);
    } catch (err) {
      throw fileError(err, path);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new StatusError(Errno.EISDIR, `${path} is not a regular file`);
      const range = rangeOf(st.size);
      if (range.length > limit) return { ...range, buffer: null };
      const before = head(range.length);
      // Its own memory (not a slice of Node's shared 8 KiB pool): a kept buffer must not pin more than it holds.
      const buffer = Buffer.allocUnsafeSlow(before.length + range.length);
      buffer.set(before, 0);
      const got = await readFully(calls, fd, buffer, before.length, range.start);
      if (got < range.length) return { ...range, buffer: buffer.subarray(0, before.length + got) };
      if (range.start === 0 && range.length === st.size) {
        this.smallFiles.put(path, st, buffer, before.length, generation);
      }
      return { ...range, buffer };
    } finally {
      closeQuietly(fd); // a read-only descriptor: a failed close loses nothing
    }
  }

  /** The SmallFileCache's entry of `path` if it has one and a stat shows the file unchanged. */
  private async checkCached(calls: FileCalls, path: string): Promise<CachedFile | undefined> {
    if (!this.smallFiles.has(path)) return undefined;
    try {
      return this.smallFiles.get(path, await calls.stat(path));
    } catch (err) {
      this.smallFiles.forget(path);
      throw fileError(err, path);
    }
  }

  /**
   * Moves `from` to `to` without ever replacing an existing file: EEXIST when `to` exists.
   * link() + unlink() is atomic against a racing writer; rename() is the fallback for file
   * systems without hard links.
   */
  async placeExclusive(from: string, to: string): Promise<void> {
    try {
      await link(from, to);
      await unlink(from);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new StatusError(Errno.EEXIST, `${to} exists`);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
    }
    if (await this.exists(to)) throw new StatusError(Errno.EEXIST, `${to} exists`);
    await rename(from, to);
  }

  /** Removes a file this store made, where a failure to remove it must not hide the error that led here. */
  async discard(path: string): Promise<void> {
    await unlink(path).catch(() => undefined);
  }

  /** CRC32 of a whole file, streamed (appender and slave files carry none in their name). */
  async crc32Of(path: string): Promise<number> {
    const handle = await open(path, 'r');
    try {
      let crc = 0;
      for await (const chunk of handle.createReadStream({ highWaterMark: 256 * 1024, autoClose: false })) {
        crc = crc32(chunk as Buffer, crc);
      }
      return crc >>> 0;
    } finally {
      await handle.close();
    }
  }

  /** The store path's size and free space, read at most DISK_SPACE_TTL_MS ago (one statfs at a time). */
  diskSpace(): Promise<DiskSpace> {
    const now = Date.now();
    if (this.space === null || now - this.space.at >= DISK_SPACE_TTL_MS) {
      const reading = readDiskSpace(this.dataDir);
      this.space = { at: now, reading };
      this.acceptedSince = 0;
      // A failed statfs is not reused: the next caller tries again.
      reading.catch(() => {
        if (this.space?.reading === reading) this.space = null;
      });
    }
    return this.space.reading;
  }

  /**
   * ENOSPC unless `size` more bytes fit in the free space of the last reading, less the bytes
   * accepted since it; else counts them as accepted. A check, not a reservation: a write that
   * meets a full disk anyway fails with ENOSPC and is removed.
   */
  async acceptBytes(size: number): Promise<void> {
    const { freeBytes } = await this.diskSpace();
    if (freeBytes - this.acceptedSince < size) throw new StatusError(Errno.ENOSPC, 'no space left on the store path');
    this.acceptedSince += size;
  }

  /**
   * Runs `fn` with the data file at `path` (its `-m` file included) to itself: every command that
   * changes a file (21 slave placing, 24, 34, 36, 38, 12, 13) takes the lock of its data file, so
   * their steps never interleave. Nothing waits for the network while holding it: content is
   * received into .tmp first. When the lock is released the SmallFileCache forgets the file (22
   * QUERY_FILE_INFO, which reads under the lock, costs the next download of the file a read).
   */
  async withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.locks.run(path, fn);
    } finally {
      this.smallFiles.invalidate(path);
    }
  }

  /**
   * Replaces `path` with `data` atomically: written to a temp file in .tmp, then renamed, so a
   * reader sees the old or the new content, never a part. A failed write (ENOSPC) removes the temp
   * file; one left by a crash is removed at start.
   */
  async writeAtomically(path: string, data: Buffer): Promise<void> {
    const tmpPath = join(this.tmpDir, randomUUID());
    try {
      await writeFile(tmpPath, data, { flag: 'wx' });
      await rename(tmpPath, path);
    } catch (err) {
      await this.discard(tmpPath);
      throw err;
    }
  }

  /** Copies all of `from` into `to` at `position` (an append when it is the file's size). */
  async copyInto(from: string, to: string, position: number): Promise<number> {
    const src = await open(from, 'r');
    try {
      const dst = await open(to, 'r+');
      try {
        const buf = Buffer.allocUnsafe(256 * 1024);
        let at = position;
        for (;;) {
          const { bytesRead } = await src.read(buf, 0, buf.length, null);
          if (bytesRead === 0) break;
          let off = 0;
          while (off < bytesRead) off += (await dst.write(buf, off, bytesRead - off, at + off)).bytesWritten;
          at += bytesRead;
        }
        return at - position;
      } finally {
        await dst.close();
      }
    } finally {
      await src.close();
    }
  }

  /** Number of entries in .tmp, for tests that check nothing half-written stays behind. */
  async pendingTemps(): Promise<number> {
    return (await readdir(this.tmpDir)).length;
  }
}

async function readDiskSpace(dir: string): Promise<DiskSpace> {
  const s = await statfs(dir);
  const mb = 1024 * 1024;
  return {
    totalMb: Math.floor((s.blocks * s.bsize) / mb),
    freeMb: Math.floor((s.bavail * s.bsize) / mb),
    freeBytes: s.bavail * s.bsize,
  };
}

function futimesFd(fd: number, seconds: number): Promise<void> {
  return new Promise((resolve, reject) =>
    futimes(fd, seconds, seconds, (err) => (err === null ? resolve() : reject(err))),
  );
}

/** Store.readRange of a file in the SmallFileCache: the kept reply itself when whole, else a copy of the part. */
function rangeOfCached(
  cached: CachedFile,
  rangeOf: (size: number) => ByteRange,
  limit: number,
  head: (length: number) => Uint8Array,
): RangeRead {
  const range = rangeOf(cached.size);
  if (range.length > limit) return { ...range, buffer: null };
  if (range.start === 0 && range.length === cached.size) return { ...range, buffer: cached.framed };
  const before = head(range.length);
  const buffer = Buffer.allocUnsafe(before.length + range.length);
  buffer.set(before, 0);
  const from = cached.headLength + range.start;
  cached.framed.copy(buffer, before.length, from, from + range.length);
  return { ...range, buffer };
}

/** A failed open or stat of a data file: ENOENT is answered as such, anything else is an I/O error. */
function fileError(err: unknown, path: string): unknown {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' ? notFound(`no such file ${path}`) : err;
}

/** Closes a descriptor on an error path, where the first error is the one to report. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already failing
  }
}
