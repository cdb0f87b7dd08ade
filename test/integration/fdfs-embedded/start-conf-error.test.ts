/**
 * apps/fdfs-embedded as a process (its build, dist/main.js, as `npm start` runs it): a bad
 * fdfs-embedded.conf stops the start with one readable line on stderr naming the file, line and
 * key, and exit status 78 (EX_CONFIG). `npm test` builds dist first (tsc -b).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../../apps/fdfs-embedded/dist/main.js', import.meta.url));
const EX_CONFIG = 78;

interface Exit {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the app in `cwd` with conf dir `conf` (relative, as a user would) until it exits. */
function runApp(cwd: string): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN],
      {
        cwd,
        env: { PATH: process.env.PATH, PIC_CONF_DIR: 'conf', PIC_DATA_DIR: join(cwd, 'data'), LOG_LEVEL: 'info' },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

describe('fdfs-embedded process: a bad conf', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fdfs-embedded-start-'));
    await mkdir(join(dir, 'conf'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an unknown key: one line on stderr with file, line, key and a suggestion; exit 78', async () => {
    await writeFile(join(dir, 'conf', 'fdfs-embedded.conf'), 'group_name = group1\ntracker_prot = 0\n');
    const exit = await runApp(dir);
    expect(exit.stderr).toBe(
      'fdfs-embedded: cannot start: ' +
        'conf/fdfs-embedded.conf:2: unknown key "tracker_prot" (did you mean tracker_port?)\n',
    );
    expect(exit.status).toBe(EX_CONFIG);
    expect(exit.stdout).toBe('');
  });

  it('a value out of range: the conf key, never the option name; exit 78', async () => {
    await writeFile(join(dir, 'conf', 'fdfs-embedded.conf'), '# ports\ntracker_port = 0\nstorage_port = 70000\n');
    const exit = await runApp(dir);
    expect(exit.stderr).toBe(
      'fdfs-embedded: cannot start: conf/fdfs-embedded.conf:3: storage_port must be between 0 and 65535, got 70000\n',
    );
    expect(exit.status).toBe(EX_CONFIG);
  });
});
