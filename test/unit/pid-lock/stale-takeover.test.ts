/**
 * Taking over a stale lock while another process takes it first: the lock file is replaced between
 * the moment PidLock reads it (stale) and the moment it moves it aside. The moved file is not the
 * stale one read, so it is put back and its live holder named; nothing is deleted.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { LockHeldError, PidLock } from '@pic-storage/pid-lock';

/** Runs once, just before the next rename(2) PidLock makes. */
const hook = vi.hoisted(() => ({ beforeRename: undefined as (() => Promise<void>) | undefined }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    rename: async (from: string, to: string) => {
      const before = hook.beforeRename;
      hook.beforeRename = undefined;
      await before?.();
      return fs.rename(from, to);
    },
  };
});

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pid-lock-race-'));
  path = join(dir, 'x.lock');
});
afterEach(async () => {
  hook.beforeRename = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

it('puts back a lock that another process took after we read the stale one, and names that process', async () => {
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  const live = `${other.pid}\nthe-other-taker\n`;
  try {
    await writeFile(path, `${await deadPid()}\nstale\n`);
    hook.beforeRename = async () => {
      // Another process removed the stale lock and linked its own in place.
      await unlink(path);
      await writeFile(path, live);
    };
    const lock = new PidLock(path);
    const err = await lock.acquire().catch((e: unknown) => e);
    expect(hook.beforeRename).toBeUndefined(); // the race did happen
    expect(err).toBeInstanceOf(LockHeldError);
    expect(err).toMatchObject({ pid: other.pid });
    expect(lock.held).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(live);
    expect(await readdir(dir)).toEqual(['x.lock']); // no side or aside file left
  } finally {
    const exited = new Promise((resolve) => other.once('exit', resolve));
    other.kill();
    await exited;
  }
});

it('takes the lock when the stale one was removed by another taker that then gave up', async () => {
  const stalePid = await deadPid();
  await writeFile(path, `${stalePid}\nstale\n`);
  hook.beforeRename = async () => {
    await unlink(path); // moved aside by another taker, which lost a race elsewhere and left
  };
  const lock = new PidLock(path);
  expect(await lock.acquire()).toEqual({ staleFrom: stalePid });
  expect((await readFile(path, 'utf8')).split('\n')[0]).toBe(String(process.pid));
  await lock.release();
  expect(await readdir(dir)).toEqual([]);
});
