/**
 * apps/admin-proxy as a process (its build, dist/main.js; `npm test` builds first): reads
 * $PIC_CONF_DIR/admin-proxy.conf, relays frames to the routes it names, stops on SIGTERM with
 * exit 0; a bad conf is one line on stderr naming file, line and key, exit 78.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBackend, TestClient } from './frame-peers.js';

const MAIN = fileURLToPath(new URL('../../../apps/admin-proxy/dist/main.js', import.meta.url));
const EX_CONFIG = 78;

describe('admin-proxy process', () => {
  let dir: string;
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, PIC_CONF_DIR: 'conf', LOG_LEVEL: 'info' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admin-proxy-'));
    await mkdir(join(dir, 'conf'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('relays to the routes of its conf and stops on SIGTERM with exit 0', async () => {
    const backend = await FakeBackend.start((request) => ({ ret: 7, body: request.body }));
    let child: ChildProcess | undefined;
    try {
      await writeFile(
        join(dir, 'conf', 'admin-proxy.conf'),
        `port = 0\nroute = 0x10B5 ${backend.address}\nallow_from = 127.0.0.1\n`,
      );
      child = spawn(process.execPath, [MAIN], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      let port = 0;
      for await (const line of lines) {
        const entry = JSON.parse(line) as { msg: string; address?: { port: number }; routes?: string[] };
        if (entry.msg === 'listening') {
          expect(entry.routes).toEqual([`4277 ${backend.address}`]);
          port = entry.address?.port ?? 0;
          break;
        }
      }
      const client = await TestClient.connect({ host: '127.0.0.1', port });
      const reply = await client.request({ cmd: 0x10b5, seq: 42, id: 9 }, Buffer.from('abcd'));
      expect(reply.header).toMatchObject({ cmd: 0x10b5, seq: 42, id: 9, ret: 7 });
      expect(reply.body.toString()).toBe('abcd');
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      await client.closed;
    } finally {
      child?.kill('SIGKILL');
      await backend.kill();
    }
  });

  it('a bad conf: one line on stderr naming file, line and key; exit 78', async () => {
    await writeFile(join(dir, 'conf', 'admin-proxy.conf'), '# routes\nroute = 3005 127.0.0.1:9020\nroute = 3005 h:1\n');
    const exit = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [MAIN], { cwd: dir, env: env(), timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
      });
    });
    expect(exit.stderr).toBe(
      'admin-proxy: cannot start: conf/admin-proxy.conf:3: route routes cmd 3005 again (see line 2)\n',
    );
    expect(exit.status).toBe(EX_CONFIG);
  });
});
