import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, StoreLock, StoreLockedError } from '../../../libs/fdfs-embedded/src/store-lock.js';

/** The pid of a process that has exited: a lock holding it is stale. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid as number;
  await new Promise((resolve) => child.once('exit', resolve));
  return pid;
}

/** A live process that is not this one, until `stop()`. */
function otherLiveProcess(): { pid: number; stop: () => Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  return {
    pid: child.pid as number,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

describe('StoreLock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fdfs-embedded-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes our pid, refuses a second holder in this process, and is removed on release', async () => {
    const first = new StoreLock(join(dir, 'data'), dir);
    expect(await first.acquire()).toEqual({ staleFrom: null });
    expect(first.held).toBe(true);
    const text = await readFile(join(dir, 'data', LOCK_FILE), 'utf8');
    expect(text.split('\n')[0]).toBe(String(process.pid));

    const second = new StoreLock(join(dir, 'data'), dir);
    const err = await second.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreLockedError);
    expect((err as StoreLockedError).message).toContain(`store ${dir} is in use by process ${process.pid}`);
    expect(second.held).toBe(false);
    expect(await readFile(join(dir, 'data', LOCK_FILE), 'utf8')).toBe(text); // untouched

    await first.release();
    expect(await readdir(join(dir, 'data'))).toEqual([]);
    await second.acquire();
    expect(second.held).toBe(true);
    await second.release();
  });

  it('refuses a lock held by another live process, naming its pid', async () => {
    const other = otherLiveProcess();
    try {
      await writeFile(join(dir, LOCK_FILE), `${other.pid}\nsomeone-else\n`);
      const lock = new StoreLock(dir, dir);
      await expect(lock.acquire()).rejects.toThrow(`store ${dir} is in use by process ${other.pid}`);
      expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(`${other.pid}\nsomeone-else\n`);
    } finally {
      await other.stop();
    }
  });

  it('takes over a lock left by a dead process, or by our own pid from an earlier life', async () => {
    const dead = await deadPid();
    await writeFile(join(dir, LOCK_FILE), `${dead}\nold-token\n`);
    const lock = new StoreLock(dir, dir);
    expect(await lock.acquire()).toEqual({ staleFrom: dead });
    expect((await readFile(join(dir, LOCK_FILE), 'utf8')).split('\n')[0]).toBe(String(process.pid));
    await lock.release();

    // A container restarted with the same pid: the file names us, but this process does not hold it.
    await writeFile(join(dir, LOCK_FILE), `${process.pid}\nprevious-life\n`);
    expect(await lock.acquire()).toEqual({ staleFrom: process.pid });
    await lock.release();

    await writeFile(join(dir, LOCK_FILE), 'garbage');
    expect(await lock.acquire()).toEqual({ staleFrom: null });
    await lock.release();
    expect(await readdir(dir)).toEqual([]); // no side files left behind
  });

  it('lets only one of several instances of this process racing for a stale lock win', async () => {
    await writeFile(join(dir, LOCK_FILE), `${await deadPid()}\nold\n`);
    const locks = Array.from({ length: 5 }, () => new StoreLock(dir, dir));
    const results = await Promise.allSettled(locks.map((l) => l.acquire()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreLockedError);
    await Promise.all(locks.map((l) => l.release()));
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not remove a lock that is no longer its own', async () => {
    const lock = new StoreLock(dir, dir);
    await lock.acquire();
    await writeFile(join(dir, LOCK_FILE), '12345\nanother-holder\n');
    await lock.release();
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe('12345\nanother-holder\n');
  });
});
