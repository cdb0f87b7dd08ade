import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';

/**
 * A fresh temporary folder as PIC_CONF_DIR for each test of the calling file or describe block:
 * made before each test, and after it PIC_CONF_DIR is put back as it was (vi.unstubAllEnvs) and
 * the folder removed. Returns the current test's folder.
 */
export function tempConfDirEach(prefix: string): () => string {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    vi.stubEnv('PIC_CONF_DIR', dir);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}
