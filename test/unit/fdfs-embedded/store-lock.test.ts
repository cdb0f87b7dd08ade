// The lock scheme itself (links, stale takeover, races) is tested once, in test/unit/pid-lock/.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, StoreLock, StoreLockedError } from '../../../libs/fdfs-embedded/src/store-lock.js';

describe('StoreLock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fdfs-embedded-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the data folder, takes data/.embedded.lock, and removes it on release', async () => {
    const lock = new StoreLock(join(dir, 'data'), dir);
    expect(lock.path).toBe(join(dir, 'data', LOCK_FILE));
    expect(await lock.acquire()).toEqual({ staleFrom: undefined });
    expect(lock.held).toBe(true);
    expect((await readFile(lock.path, 'utf8')).split('\n')[0]).toBe(String(process.pid));
    await lock.release();
    expect(lock.held).toBe(false);
    expect(await readdir(join(dir, 'data'))).toEqual([]);
  });

  it('refuses a second instance in this process as a store in use by our pid', async () => {
    const first = new StoreLock(join(dir, 'data'), dir);
    await first.acquire();
    const second = new StoreLock(join(dir, 'data'), dir);
    const err = await second.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreLockedError);
    expect(err).toMatchObject({ storePath: dir, pid: process.pid, lockPath: first.path });
    expect((err as Error).message).toBe(
      `store ${dir} is in use by process ${process.pid} (lock file ${first.path}): stop that instance first, ` +
        'or remove the lock file if that process is not an fdfs-embedded',
    );
    expect(second.held).toBe(false);
    await first.release();
  });

  it('refuses a store whose lock names another live process, naming its pid', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await writeFile(join(dir, LOCK_FILE), `${child.pid}\nsomeone-else\n`);
      await expect(new StoreLock(dir, dir).acquire()).rejects.toThrow(`store ${dir} is in use by process ${child.pid}`);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
  });

  it('reports the pid of a dead holder it took over (EmbeddedFdfs logs it)', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const dead = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    await writeFile(join(dir, LOCK_FILE), `${dead}\nold-token\n`);
    const lock = new StoreLock(dir, dir);
    expect(await lock.acquire()).toEqual({ staleFrom: dead });
    await lock.release();
  });
});
