import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LockHeldError, PidLock } from '@pic-storage/pid-lock';

/** Name of the lock file under `<base>/data/` (where FastDFS keeps fdfs_storaged.pid). */
export const LOCK_FILE = '.embedded.lock';

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

/**
 * One process per store, and one EmbeddedFdfs per store in this process: `<base>/data/.embedded.lock`,
 * a PidLock (stale locks of dead processes are taken over), taken before anything under the store
 * is touched and removed at stop. Creates the data folder, so that a first start can take it.
 */
export class StoreLock {
  readonly path: string;
  private readonly lock: PidLock;

  constructor(
    private readonly dir: string,
    private readonly storePath: string,
  ) {
    this.path = join(dir, LOCK_FILE);
    this.lock = new PidLock(this.path);
  }

  get held(): boolean {
    return this.lock.held;
  }

  /** Takes the lock; resolves with the pid of a dead holder it replaced, if any. StoreLockedError if held. */
  async acquire(): Promise<{ staleFrom: number | undefined }> {
    await mkdir(this.dir, { recursive: true });
    try {
      return await this.lock.acquire();
    } catch (err) {
      if (err instanceof LockHeldError) throw new StoreLockedError(this.storePath, err.pid, this.path);
      throw err;
    }
  }

  /** Removes the lock file if it is still ours. */
  release(): Promise<void> {
    return this.lock.release();
  }
}
