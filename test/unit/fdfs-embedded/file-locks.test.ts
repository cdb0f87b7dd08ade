import { describe, expect, it } from 'vitest';
import { FileLocks } from '../../../libs/fdfs-embedded/src/file-locks.js';

/** A promise and the function that settles it, to hold a locked section open from the test. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('FileLocks', () => {
  it('runs sections of one key one after another, in arrival order', async () => {
    const locks = new FileLocks();
    const log: string[] = [];
    const first = gate();
    const a = locks.run('f', async () => {
      log.push('a in');
      await first.opened;
      log.push('a out');
    });
    const b = locks.run('f', async () => {
      log.push('b');
    });
    const c = locks.run('f', async () => {
      log.push('c');
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual(['a in']); // b and c wait while a holds the key
    expect(locks.size).toBe(1);
    first.open();
    await Promise.all([a, b, c]);
    expect(log).toEqual(['a in', 'a out', 'b', 'c']);
  });

  it('does not make different keys wait for each other', async () => {
    const locks = new FileLocks();
    const held = gate();
    const a = locks.run('f', () => held.opened);
    await expect(locks.run('g', async () => 'g ran')).resolves.toBe('g ran');
    expect(locks.size).toBe(1);
    held.open();
    await a;
  });

  it('passes a failure to its caller only, and the next section still runs', async () => {
    const locks = new FileLocks();
    const failed = locks.run('f', async () => {
      throw new Error('boom');
    });
    const next = locks.run('f', async () => 42);
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
  });

  it('keeps no entry for an idle key, so the map stays bounded', async () => {
    const locks = new FileLocks();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => locks.run(`file-${i % 50}`, async () => i)));
    expect(locks.size).toBe(0);
    await locks.run('x', async () => expect(locks.size).toBe(1));
    await locks.run('x', () => Promise.reject(new Error('no'))).catch(() => undefined);
    expect(locks.size).toBe(0);
  });
});
