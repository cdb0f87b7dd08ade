import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, rm, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import { FileLocks } from './file-locks.js';
import { invalid, notFound } from './status.js';
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

/** FDFS_STORAGE_META_FILE_EXT: metadata of `x` is stored in `x-m`. */
export const META_SUFFIX = '-m';

/**
 * The disk side of the storage: `<base>/data/XX/YY/<name>` plus `<name>-m` metadata files,
 * and `<base>/data/.tmp/` for every temp file: content being received and metadata being
 * rewritten. Same file system, so placing a finished file is a link/rename, never a copy. No file
 * id reaches `.tmp`: `locate` builds `data/<2 hex>/<2 hex>/<basename>` and a basename has no `/`
 * and starts with 27 base64 chars, so it is never `.` or `..`.
 */
export class Store {
  readonly dataDir: string;
  readonly tmpDir: string;
  private readonly madeDirs = new Set<string>();
  private readonly locks = new FileLocks();

  constructor(
    basePath: string,
    readonly groupName: string,
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
    const path = join(this.dataDir, hex2(parsed.subdirHigh), hex2(parsed.subdirLow), parsed.basename);
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

  subdirPath(high: number, low: number): string {
    return join(this.dataDir, hex2(high), hex2(low));
  }

  async ensureSubdir(high: number, low: number): Promise<void> {
    const dir = this.subdirPath(high, low);
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  /**
   * Receives `size` bytes into a temp file, computing the CRC32 on the way. The temp file is
   * removed if anything fails (stalled or closed connection, full disk).
   */
  async receive(size: number, stream: (sink: (chunk: Buffer) => Promise<void>) => Promise<void>): Promise<Received> {
    const tmpPath = join(this.tmpDir, randomUUID());
    const handle = await open(tmpPath, 'wx');
    let crc = 0;
    try {
      await stream(async (chunk) => {
        crc = crc32(chunk, crc);
        let off = 0;
        while (off < chunk.length) off += (await handle.write(chunk, off, chunk.length - off)).bytesWritten;
      });
      await handle.close();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(tmpPath).catch(() => undefined);
      throw err;
    }
    const st = await stat(tmpPath);
    return { tmpPath, size, crc32: crc >>> 0, mtime: Math.floor(st.mtimeMs / 1000) };
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

  async diskSpace(): Promise<{ totalMb: number; freeMb: number; freeBytes: number }> {
    const s = await statfs(this.dataDir);
    const mb = 1024 * 1024;
    return {
      totalMb: Math.floor((s.blocks * s.bsize) / mb),
      freeMb: Math.floor((s.bavail * s.bsize) / mb),
      freeBytes: s.bavail * s.bsize,
    };
  }

  /**
   * Runs `fn` with the data file at `path` (its `-m` file included) to itself: every command that
   * changes a file (21 slave placing, 24, 34, 36, 38, 12, 13) takes the lock of its data file, so
   * their steps never interleave. Nothing waits for the network while holding it: content is
   * received into .tmp first.
   */
  withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(path, fn);
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
      await unlink(tmpPath).catch(() => undefined);
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
