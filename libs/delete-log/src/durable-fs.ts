import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The file operations whose order the delete log's guarantees rest on. fsync(2) of a file does not
 * make its directory entry durable (POSIX; ext4 and xfs happen to, others do not): a created,
 * renamed or removed name is made durable by fsyncing its directory.
 */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** syncDir, blocking: for the delete log's writer thread (log-engine.ts), where blocking costs no event loop. */
export function syncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` with `text` as one step a crash cannot tear: a side file, fdatasync, rename, directory fsync. */
export async function replaceFileDurably(path: string, text: string): Promise<void> {
  const side = `${path}.tmp`;
  const handle = await open(side, 'w');
  try {
    await handle.writeFile(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(side, path);
  await syncDir(dirname(path));
}

/** rename(2), false when `from` does not exist. */
export async function renameIfExists(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/** unlink(2), false when `path` does not exist. */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/** The file's size, undefined when it does not exist. */
export async function sizeIfExists(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
