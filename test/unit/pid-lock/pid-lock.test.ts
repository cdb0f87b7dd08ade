import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockHeldError, PidLock } from '@pic-storage/pid-lock';

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

describe('PidLock', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pid-lock-'));
    path = join(dir, 'x.lock');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes our pid and a token in one complete file, and removes it on release', async () => {
    const lock = new PidLock(path);
    expect(lock.held).toBe(false);
    expect(await lock.acquire()).toEqual({ staleFrom: undefined });
    expect(lock.held).toBe(true);
    const [pid, token, rest] = (await readFile(path, 'utf8')).split('\n');
    expect(pid).toBe(String(process.pid));
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    expect(rest).toBe('');
    expect((await stat(path)).nlink).toBe(1); // the side file it was linked from is gone
    expect(await readdir(dir)).toEqual(['x.lock']);

    await lock.release();
    expect(lock.held).toBe(false);
    expect(await readdir(dir)).toEqual([]);
    await lock.release(); // a second release does nothing
  });

  it('refuses a second holder in this process, naming our pid, and leaves the file as it is', async () => {
    const first = new PidLock(path);
    await first.acquire();
    const text = await readFile(path, 'utf8');

    const second = new PidLock(path);
    const err = await second.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    expect(err).toMatchObject({ path, pid: process.pid, message: `${path} is held by process ${process.pid}` });
    expect(second.held).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(text);
    expect(await readdir(dir)).toEqual(['x.lock']); // no side file left

    await first.release();
    expect(await second.acquire()).toEqual({ staleFrom: undefined });
    await second.release();
  });

  it('is one lock for two paths to the same file (through a symlinked folder)', async () => {
    const real = join(dir, 'real');
    await mkdir(real);
    await symlink(real, join(dir, 'link'));
    const first = new PidLock(join(real, 'x.lock'));
    await first.acquire();
    await expect(new PidLock(join(dir, 'link', 'x.lock')).acquire()).rejects.toBeInstanceOf(LockHeldError);
    await first.release();
  });

  it('refuses to be taken twice by the same PidLock', async () => {
    const lock = new PidLock(path);
    await lock.acquire();
    await expect(lock.acquire()).rejects.toThrow(`${path} is already held (or being taken) by this PidLock`);
    expect(lock.held).toBe(true);
    await lock.release();

    const racing = await Promise.allSettled([lock.acquire(), lock.acquire()]);
    expect(racing.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a lock held by another live process, naming its pid', async () => {
    const other = otherLiveProcess();
    try {
      await writeFile(path, `${other.pid}\nsomeone-else\n`);
      const lock = new PidLock(path);
      const err = await lock.acquire().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockHeldError);
      expect(err).toMatchObject({ path, pid: other.pid });
      expect(lock.held).toBe(false);
      expect(await readFile(path, 'utf8')).toBe(`${other.pid}\nsomeone-else\n`);
      expect(await readdir(dir)).toEqual(['x.lock']);
      // Refused, it is not claimed in this process either: another PidLock meets the same refusal.
      await expect(new PidLock(path).acquire()).rejects.toMatchObject({ pid: other.pid });
    } finally {
      await other.stop();
    }
  });

  it('takes over a lock left by a dead process, or by our own pid from an earlier life', async () => {
    const dead = await deadPid();
    await writeFile(path, `${dead}\nold-token\n`);
    const lock = new PidLock(path);
    expect(await lock.acquire()).toEqual({ staleFrom: dead });
    expect((await readFile(path, 'utf8')).split('\n')[0]).toBe(String(process.pid));
    await lock.release();
    expect(await readdir(dir)).toEqual([]);

    // A container restarted with the same pid: the file names us, but no PidLock here holds it.
    await writeFile(path, `${process.pid}\nprevious-life\n`);
    expect(await lock.acquire()).toEqual({ staleFrom: process.pid });
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock that holds no pid (emptied or torn by a crash)', async () => {
    for (const text of ['', 'garbage', '0\ntoken\n', '-5\ntoken\n', '12345678901\ntoken\n']) {
      await writeFile(path, text);
      const lock = new PidLock(path);
      expect(await lock.acquire(), JSON.stringify(text)).toEqual({ staleFrom: undefined });
      expect((await readFile(path, 'utf8')).split('\n')[0]).toBe(String(process.pid));
      await lock.release();
      expect(await readdir(dir)).toEqual([]); // no side or aside files left behind
    }
  });

  it('lets only one of several PidLocks of this process racing for a stale lock win', async () => {
    await writeFile(path, `${await deadPid()}\nold\n`);
    const locks = Array.from({ length: 5 }, () => new PidLock(path));
    const results = await Promise.allSettled(locks.map((l) => l.acquire()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockHeldError);
    expect(locks.filter((l) => l.held)).toHaveLength(1);
    await Promise.all(locks.map((l) => l.release()));
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not remove a lock that is no longer its own', async () => {
    const lock = new PidLock(path);
    await lock.acquire();
    await writeFile(path, '12345\nanother-holder\n');
    await lock.release();
    expect(await readFile(path, 'utf8')).toBe('12345\nanother-holder\n');
  });

  it('needs its folder: a missing one is an error, and nothing is claimed', async () => {
    const lock = new PidLock(join(dir, 'missing', 'x.lock'));
    await expect(lock.acquire()).rejects.toMatchObject({ code: 'ENOENT' });
    expect(lock.held).toBe(false);
    await mkdir(join(dir, 'missing'));
    await lock.acquire();
    expect(lock.held).toBe(true);
    await lock.release();
  });
});
