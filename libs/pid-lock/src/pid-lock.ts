import { randomUUID } from 'node:crypto';
import { link, readFile, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The lock file names a live process (this one included) as its holder. */
export class LockHeldError extends Error {
  override readonly name: string = 'LockHeldError';
  constructor(
    readonly path: string,
    readonly pid: number,
    /** For a wrapper that says what the lock guards; the default names only the holder. */
    message = `${path} is held by process ${pid}`,
  ) {
    super(message);
  }
}

/** Stale locks taken over in a row before giving up (each round means another starter raced us). */
const ATTEMPTS = 5;

/**
 * Lock files held by the PidLocks of this process, by real path: a second PidLock here reads its
 * own pid in the file, and must be refused rather than take it over as a previous life's.
 * One entry per held lock.
 */
const HELD = new Set<string>();

interface LockContent {
  text: string;
  /** undefined when the first line is not a pid (a file emptied by a crash): the lock is stale. */
  pid: number | undefined;
  token: string | undefined;
}

/**
 * One holder at a time, across processes and within this one. The lock file holds `pid\ntoken\n`.
 * It appears with its content at once (written to a side file, then hard-linked into place: link(2)
 * fails when the name exists, the O_EXCL of links), so a reader never sees it empty. A lock whose
 * pid is dead (a process killed with SIGKILL, a machine restarted), or is our own pid while no
 * PidLock of this process holds it (a container restarted with the same pid), or holds no pid, is
 * stale and taken over; process.kill(pid, 0) tells whether a pid lives (EPERM: it lives, under
 * another user). Taking over moves the stale file aside and checks it is the one read, so two
 * starters racing over one stale lock cannot both win. The folder must exist.
 */
export class PidLock {
  /** While held: the key in HELD and the token this holder wrote in the file. */
  private holding: { key: string; token: string } | undefined;
  private acquiring = false;

  constructor(readonly path: string) {}

  get held(): boolean {
    return this.holding !== undefined;
  }

  /** Takes the lock; resolves with the pid of a dead holder it replaced, if any. LockHeldError if held. */
  async acquire(): Promise<{ staleFrom: number | undefined }> {
    if (this.holding !== undefined || this.acquiring) {
      throw new Error(`${this.path} is already held (or being taken) by this PidLock`);
    }
    this.acquiring = true;
    try {
      const key = join(await realpath(dirname(this.path)), basename(this.path));
      // Checked and claimed with no await in between: two PidLocks of this process cannot both pass.
      if (HELD.has(key)) throw new LockHeldError(this.path, process.pid);
      HELD.add(key);
      try {
        const { token, staleFrom } = await this.take();
        this.holding = { key, token };
        return { staleFrom };
      } catch (err) {
        HELD.delete(key);
        throw err;
      }
    } finally {
      this.acquiring = false;
    }
  }

  /** Removes the lock file if it is still this holder's. */
  async release(): Promise<void> {
    const holding = this.holding;
    if (holding === undefined) return;
    this.holding = undefined;
    try {
      const current = await readLock(this.path);
      if (current?.token === holding.token) await unlink(this.path);
    } finally {
      HELD.delete(holding.key);
    }
  }

  private async take(): Promise<{ token: string; staleFrom: number | undefined }> {
    const token = randomUUID();
    const side = `${this.path}.${token}`;
    let staleFrom: number | undefined;
    try {
      await writeFile(side, `${process.pid}\n${token}\n`, { flag: 'wx' });
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (await linkExclusive(side, this.path)) return { token, staleFrom };
        const current = await readLock(this.path);
        if (current === undefined) continue; // released meanwhile: try again
        // Our own pid is stale: HELD said no PidLock of this process holds the file.
        if (current.pid !== undefined && current.pid !== process.pid && isAlive(current.pid)) {
          throw new LockHeldError(this.path, current.pid);
        }
        await this.removeStale(current.text);
        staleFrom = current.pid;
      }
      throw new Error(`cannot take ${this.path}: other processes keep taking it`);
    } finally {
      await unlink(side).catch(() => undefined);
    }
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

/** The lock file's content; undefined when there is none. */
async function readLock(path: string): Promise<LockContent | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  const [first = '', token] = text.split('\n');
  return { text, pid: /^[1-9]\d{0,9}$/.test(first) ? Number(first) : undefined, token };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
