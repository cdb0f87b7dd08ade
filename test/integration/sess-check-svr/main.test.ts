/**
 * apps/sess-check-svr/dist/main.js as a process, the way `npm start` and a deployment run it: it
 * starts on the shipped conf (warning about the development key), answers a check, stops on
 * SIGTERM with status 0; a bad conf is one stderr line and exit 78.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cmd, ResultCode, encodeSessionCheckRequest } from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { DEV_DES_KEY, issueSessionKey } from '@pic-storage/session-key';

const MAIN = new URL('../../../apps/sess-check-svr/dist/main.js', import.meta.url).pathname;
const SHIPPED_CONF = new URL('../../../conf/', import.meta.url).pathname;

describe.skipIf(!existsSync(MAIN))('sess-check-svr main', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sess-check-main-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts on the shipped conf with a warning, checks a key, stops on SIGTERM with status 0', async () => {
    const env = {
      ...process.env,
      PIC_CONF_DIR: SHIPPED_CONF,
      PIC_PORT: '0',
      PIC_SESSION_DES_KEY: '',
      PIC_REDIS_URL: '',
    };
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines: { msg: string; level: number; address?: { host: string; port: number } }[] = [];
      const listening = await new Promise<{ host: string; port: number }>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const entry = JSON.parse(line) as (typeof lines)[number];
          lines.push(entry);
          if (entry.msg === 'listening' && entry.address !== undefined) resolve(entry.address);
        });
        void exited.then((code) => reject(new Error(`exited with ${code} before listening`)));
      });
      expect(lines.some((l) => l.level === 40 && l.msg.startsWith('SESSION KEYS USE THE PUBLIC DEVELOPMENT'))).toBe(
        true,
      );

      const client = new FrameClient({ ...listening, requestTimeoutMs: 5_000 });
      const res = await client.request(
        Cmd.SESSION_CHECK,
        encodeSessionCheckRequest(issueSessionKey({ uid: 1 }, DEV_DES_KEY)),
      );
      expect(res.ret).toBe(ResultCode.OK);
      expect(res.body.length).toBe(18);
      await client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('a bad conf: one line naming file, line and key on stderr, exit 78', async () => {
    await writeFile(join(dir, 'sess-check-svr.conf'), 'port = 0\nmax_checks = many\n');
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, PIC_CONF_DIR: dir, PIC_PORT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(78);
    expect(stderr).toMatch(/^sess_check_svr: cannot start: .*sess-check-svr\.conf:2: max_checks must be an integer/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
