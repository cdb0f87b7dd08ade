import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageState } from '../../../libs/fdfs-embedded/src/state.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('StorageState', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fdfs-embedded-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rotates like storage_get_store_path: low first, then high, wrapping to 00/00', () => {
    const state = new StorageState(join(dir, 'unused.json'), 2, 3, quiet);
    const seen = Array.from({ length: 13 }, () => state.nextSubdir()).map(({ high, low }) => `${high}/${low}`);
    expect(seen).toEqual(['0/0', '0/0', '0/0', '0/1', '0/1', '0/1', '1/0', '1/0', '1/0', '1/1', '1/1', '1/1', '0/0']);
  });

  it('saves atomically and loads the position, join time and counters back', async () => {
    const path = join(dir, 'state.json');
    const a = new StorageState(path, 256, 2, quiet);
    a.joinTime = 1_700_000_000;
    for (let i = 0; i < 5; i++) a.nextSubdir();
    a.counters.successUploadCount = 42;
    await a.flush();
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({
      version: 1,
      distribution: { high: 0, low: 2, writeCount: 1 },
    });

    const b = new StorageState(path, 256, 2, quiet);
    await b.load();
    expect(b.joinTime).toBe(1_700_000_000);
    expect(b.counters.successUploadCount).toBe(42);
    expect(b.nextSubdir()).toEqual({ high: 0, low: 2 });
    expect(b.currentSubdir).toEqual({ high: 0, low: 3 });
  });

  it('starts fresh from a corrupt file or one that no longer fits subdir_count_per_path', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, '{not json');
    const a = new StorageState(path, 256, 100, quiet);
    await a.load();
    expect(a.currentSubdir).toEqual({ high: 0, low: 0 });
    await writeFile(
      path,
      JSON.stringify({ version: 1, joinTime: 5, distribution: { high: 200, low: 3, writeCount: 0 }, counters: {} }),
    );
    const b = new StorageState(path, 16, 100, quiet);
    await b.load();
    expect(b.currentSubdir).toEqual({ high: 0, low: 0 });
    expect(b.joinTime).toBe(5);
  });
});
