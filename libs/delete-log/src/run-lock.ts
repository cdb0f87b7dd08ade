import { randomUUID } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { isMissing } from './durable-fs.js';

/** Another live process holds the lock. */
export class RunLockedError extends Error {
  override readonly name = 'RunLockedError';
  constructor(
    readonly lockPath: string,
    readonly pid: number,
  ) {
    super(`${lockPath} is held by process ${pid}: another run is in progress`);
  }
}

/** Stale locks taken over in a row before giving up (each round means another starter raced us). */
const ATTEMPTS = 5;

/**
 * One drain of a delete log at a time: the lock file `<log>.lock` holds `pid\ntoken\n`. It appears
 * with its content at once (written to a side file, then hard-linked into place: link(2) fails when
 * the name exists, the O_EXCL of links), so a reader never sees it empty. A lock whose pid is dead
 * (a run killed with SIGKILL, or a machine that restarted), our own pid (a container restarted with
 * the same pid) or no pid (emptied by a crash) is stale and taken over. Taking over
 * moves the stale file aside and checks it is the one read, so two runs racing over one stale lock
 * cannot both win. The same scheme as the embedded FastDFS's store lock (fdfs-embedded store-lock.ts).
 */
export class RunLock {
  private token: string | undefined;

  constructor(readonly path: string) {}

  /** Takes the lock; resolves with the pid of a dead holder it replaced, if any. RunLockedError if held. */
  async acquire(): Promise<{ staleFrom: number | undefined }> {
    if (this.token !== undefined) throw new Error(`${this.path} is already held by this run`);
    const token = randomUUID();
    const side = `${this.path}.${token}`;
    let staleFrom: number | undefined;
    try {
      await writeFile(side, `${process.pid}\n${token}\n`, { flag: 'wx' });
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (await linkExclusive(side, this.path)) {
          this.token = token;
          return { staleFrom };
        }
        const current = await readLock(this.path);
        if (current === undefined) continue; // released meanwhile: try again
        if (current.pid !== undefined && current.pid !== process.pid && isAlive(current.pid)) {
          throw new RunLockedError(this.path, current.pid);
        }
        await this.removeStale(current.text);
        staleFrom = current.pid;
      }
      throw new Error(`cannot take ${this.path}: other processes keep taking it`);
    } finally {
      await unlink(side).catch(() => undefined);
    }
  }

  /** Removes the lock file if it is still this run's. */
  async release(): Promise<void> {
    const token = this.token;
    if (token === undefined) return;
    this.token = undefined;
    const current = await readLock(this.path);
    if (current?.text.split('\n')[1] === token) await unlink(this.path);
  }

  /** Moves the lock aside; if it is not the stale one read (someone took the lock meanwhile), puts it back. */
  private async removeStale(staleText: string): Promise<void> {
    const aside = `${this.path}.stale-${randomUUID()}`;
    try {
      await rename(this.path, aside);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    try {
      if ((await readFile(aside, 'utf8')) !== staleText) await linkExclusive(aside, this.path);
    } finally {
      await unlink(aside).catch(() => undefined);
    }
  }
}

/** link(2): false when `to` exists. */
async function linkExclusive(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function readLock(path: string): Promise<{ text: string; pid: number | undefined } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  const first = text.split('\n')[0] ?? '';
  return { text, pid: /^[1-9]\d{0,9}$/.test(first) ? Number(first) : undefined };
}

/** process.kill(pid, 0): EPERM means the pid lives, under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
