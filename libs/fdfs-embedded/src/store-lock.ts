import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Name of the lock file under `<base>/data/` (where FastDFS keeps fdfs_storaged.pid). */
export const LOCK_FILE = '.embedded.lock';

/** Lock paths held by this process: a second EmbeddedFdfs here sees its own pid in the file. */
const HELD = new Set<string>();

/** Stale locks taken over in a row before giving up (each round means another starter raced us). */
const ATTEMPTS = 5;

/** A store already served by a live process (this one included). */
export class StoreLockedError extends Error {
  constructor(
    readonly storePath: string,
    readonly pid: number,
    readonly lockPath: string,
  ) {
    super(
      `store ${storePath} is in use by process ${pid} (lock file ${lockPath}): stop that instance first, ` +
        'or remove the lock file if that process is not an fdfs-embedded',
    );
    this.name = 'StoreLockedError';
  }
}

interface LockContent {
  text: string;
  /** null when the file does not hold a pid (then it is treated as stale). */
  pid: number | null;
}

/**
 * One process per store. The lock file holds `pid\ntoken\n`; it appears with its content at once
 * (written to a side file, then hard-linked into place, so a reader never sees it empty). Taken
 * before anything under the store is touched, removed at stop. A lock whose pid is dead, or is our
 * own pid without this process holding it (a container restarted with the same pid), is stale and
 * taken over; process.kill(pid, 0) tells whether a pid lives (EPERM: it lives, under another user).
 * Taking over moves the stale file aside and checks it is the one read, so two starters racing
 * over the same stale lock cannot both win.
 */
export class StoreLock {
  readonly path: string;
  private token: string | null = null;
  private key: string | null = null;

  constructor(
    private readonly dir: string,
    private readonly storePath: string,
  ) {
    this.path = join(dir, LOCK_FILE);
  }

  get held(): boolean {
    return this.token !== null;
  }

  /** Takes the lock; resolves with the pid of a stale holder it replaced (null if none). */
  async acquire(): Promise<{ staleFrom: number | null }> {
    if (this.token !== null) throw new Error(`${this.path} is already held by this instance`);
    await mkdir(this.dir, { recursive: true });
    const key = join(await realpath(this.dir), LOCK_FILE);
    // Checked and claimed with no await in between: two instances in this process cannot both pass.
    if (HELD.has(key)) throw new StoreLockedError(this.storePath, process.pid, this.path);
    HELD.add(key);
    const token = randomUUID();
    const side = `${this.path}.${token}`;
    let staleFrom: number | null = null;
    try {
      await writeFile(side, `${process.pid}\n${token}\n`, { flag: 'wx' });
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (await linkExclusive(side, this.path)) {
          this.token = token;
          this.key = key;
          return { staleFrom };
        }
        const current = await readLock(this.path);
        if (current === null) continue; // removed meanwhile: try again
        const { pid } = current;
        if (pid !== null && pid !== process.pid && isAlive(pid)) {
          throw new StoreLockedError(this.storePath, pid, this.path);
        }
        await this.removeStale(current.text);
        staleFrom = pid;
      }
      throw new Error(`cannot take ${this.path}: other processes keep taking it`);
    } catch (err) {
      HELD.delete(key);
      throw err;
    } finally {
      await unlink(side).catch(() => undefined);
    }
  }

  /** Removes the lock file if it is still ours. */
  async release(): Promise<void> {
    const { token, key } = this;
    if (token === null || key === null) return;
    this.token = null;
    this.key = null;
    try {
      const current = await readLock(this.path);
      if (current?.text.split('\n')[1] === token) await unlink(this.path);
    } finally {
      HELD.delete(key);
    }
  }

  /** Moves the lock aside; if it is not the stale one read (someone took the lock meanwhile), puts it back. */
  private async removeStale(staleText: string): Promise<void> {
    const aside = `${this.path}.stale-${randomUUID()}`;
    try {
      await rename(this.path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
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

async function readLock(path: string): Promise<LockContent | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const first = text.split('\n')[0] ?? '';
  const pid = /^[1-9]\d{0,9}$/.test(first) ? Number(first) : null;
  return { text, pid };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
