import { open, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isMissing, replaceFileDurably, sizeIfExists, syncDir } from './durable-fs.js';

/**
 * The files of one delete log and its drains, all in the log's folder (docs/services/del-file-ontime.md):
 *
 *   delete.log           del_svr appends; a drain renames it to delete.log.work
 *   delete.log.work      the entries of the current drain cycle
 *   delete.log.retry     entries that failed in earlier cycles, sent again in this one (before .work)
 *   delete.log.failed    entries that failed in this cycle: the next cycle's .retry
 *   delete.log.progress  how far this cycle got: {"retry":<offset>,"work":<offset>,"failed":<size>}
 *   delete.log.lock      the pid of the run in progress
 */
export interface DrainFiles {
  readonly log: string;
  readonly dir: string;
  readonly work: string;
  readonly retry: string;
  readonly failed: string;
  readonly progress: string;
  readonly lock: string;
}

export function drainFilesOf(log: string): DrainFiles {
  return {
    log,
    dir: dirname(log),
    work: `${log}.work`,
    retry: `${log}.retry`,
    failed: `${log}.failed`,
    progress: `${log}.progress`,
    lock: `${log}.lock`,
  };
}

/**
 * A cycle's progress, replaced (durably) after each batch: the offsets in .retry and .work up to
 * which every entry was sent and its result recorded, and the size of .failed once those results
 * were appended. Bytes of .failed past `failed` belong to a batch whose progress was never
 * recorded: a resumed run cuts them off, and sends that batch again.
 */
export interface DrainProgress {
  retry: number;
  work: number;
  failed: number;
}

export async function readProgress(path: string): Promise<DrainProgress | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const progress = value as Partial<DrainProgress> | undefined;
  const valid = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  if (progress === undefined || !valid(progress.retry) || !valid(progress.work) || !valid(progress.failed)) {
    throw new Error(
      `${path} is not a drain progress file ({"retry":n,"work":n,"failed":n}): ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return { retry: progress.retry, work: progress.work, failed: progress.failed };
}

export async function writeProgress(path: string, progress: DrainProgress): Promise<void> {
  await replaceFileDurably(path, `${JSON.stringify(progress)}\n`);
}

/** Appends `text` to `path` (created when missing) and syncs it; resolves with the file's new size. */
export async function appendDurably(path: string, text: string): Promise<number> {
  const existed = (await sizeIfExists(path)) !== undefined;
  const handle = await open(path, 'a');
  let size: number;
  try {
    await handle.appendFile(text);
    await handle.datasync();
    size = (await handle.stat()).size;
  } finally {
    await handle.close();
  }
  if (!existed) await syncDir(dirname(path));
  return size;
}

/** Cuts `path` back to `size` bytes when it is longer (nothing when it is missing or shorter). */
export async function cutBackTo(path: string, size: number): Promise<boolean> {
  const now = await sizeIfExists(path);
  if (now === undefined || now <= size) return false;
  await truncate(path, size);
  const handle = await open(path, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return true;
}
