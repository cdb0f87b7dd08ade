/**
 * Durability: del_svr (the built app, apps/del-svr/dist) killed with SIGKILL right after its
 * replies, under many concurrent clients. Every entry it acknowledged is in the log afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ResultCode } from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { entriesOf, keyOf, queueDeletes, readLogEntries } from '../../helpers/delete-log.js';

const MAIN = fileURLToPath(new URL('../../../apps/del-svr/dist/main.js', import.meta.url));

let dir: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-del-svr-kill-'));
  await writeFile(join(dir, 'del-svr.conf'), 'port = 0\n');
});

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** del_svr as a process; resolves with its port once it logs `listening`. */
function startChild(): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PIC_CONF_DIR: dir, PIC_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child = proc;
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`del_svr exited with ${code} before listening`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'listening' && entry.port !== undefined) resolve({ proc, port: entry.port });
    });
  });
}

it('every entry acknowledged before a SIGKILL is in the log', async () => {
  const { proc, port } = await startChild();
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const clients = Array.from(
    { length: 32 },
    () => new FrameClient({ host: '127.0.0.1', port, requestTimeoutMs: 20_000 }),
  );
  const acked: string[] = [];
  const KILL_AFTER = 400;
  let next = 0;
  let killed = false;
  await Promise.all(
    clients.map(async (client) => {
      while (!killed) {
        const entries = entriesOf(next, 3);
        next += 3;
        let ret: number;
        try {
          ret = await queueDeletes(client, entries);
        } catch {
          return; // the connection died with the process: not acknowledged
        }
        expect(ret).toBe(ResultCode.OK);
        acked.push(...entries.map(keyOf));
        // Killed at once, in the same tick as the reply is read: other replies may be on their way.
        if (acked.length >= KILL_AFTER * 3 && !killed) {
          killed = true;
          proc.kill('SIGKILL');
        }
      }
    }),
  );
  await exited;
  await Promise.all(clients.map((c) => c.close()));
  const inLog = new Set((await readLogEntries(join(dir, 'data', 'del-svr', 'log', 'delete.log'))).map(keyOf));
  expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER * 3);
  expect(acked.filter((key) => !inLog.has(key))).toEqual([]);
});
