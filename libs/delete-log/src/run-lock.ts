import { LockHeldError, PidLock } from '@pic-storage/pid-lock';

/** Another live process holds the run lock: del_file_ontime exits 75 (cron tries again next time). */
export class RunLockedError extends LockHeldError {
  override readonly name: string = 'RunLockedError';
  constructor(path: string, pid: number) {
    super(path, pid, `${path} is held by process ${pid}: another run is in progress`);
  }
}

/**
 * One drain of a delete log at a time: takes `<log>.lock`, a PidLock (a dead run's lock is taken
 * over). RunLockedError when a live run holds it.
 */
export async function takeRunLock(path: string): Promise<PidLock> {
  const lock = new PidLock(path);
  try {
    await lock.acquire();
  } catch (err) {
    if (err instanceof LockHeldError) throw new RunLockedError(err.path, err.pid);
    throw err;
  }
  return lock;
}
