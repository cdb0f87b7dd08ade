/**
 * cs_del_svr as a process (the built apps/cs-del-svr/dist/main.js): it reads
 * $PIC_CONF_DIR/cs-del-svr.conf with its cluster_<hostid> lines and starts; a typo in the conf
 * stops the start with one line naming file, line and key, and exit status 78 (EX_CONFIG);
 * SIGTERM stops it with 0.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Cmd, ResultCode } from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';

const MAIN = fileURLToPath(new URL('../../../apps/cs-del-svr/dist/main.js', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-del-process-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(conf: string) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -b first`);
  return writeFile(join(dir, 'cs-del-svr.conf'), conf).then(() => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, PIC_CONF_DIR: dir, PIC_DATA_DIR: join(dir, 'data'), PIC_TRACKER_SERVER: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | string | null; stderr: string }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code: code ?? signal, stderr })),
    );
    return { child, exited };
  });
}

it('starts with cluster lines, logs where it listens and stops on SIGTERM', async () => {
  const { child, exited } = await run('port = 0\ncluster_0 = 127.0.0.1:22122\ncluster_7 = 10.0.0.7:22122\n');
  const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const log = JSON.parse(line) as Record<string, unknown>;
      if (log.msg === 'listening') resolve(log);
    });
    void exited.then((how) => reject(new Error(`exited: ${JSON.stringify(how)}`)));
  });
  expect(listening.port).toBeGreaterThan(0);
  expect(listening.clusters).toEqual({ 0: ['127.0.0.1:22122'], 7: ['10.0.0.7:22122'] });
  // One request answered: the process is past its start, its signal handlers in place (SIGTERM
  // in the instant between the 'listening' line and runService's handlers kills it outright).
  const client = new FrameClient({ host: '127.0.0.1', port: listening.port as number });
  expect((await client.request(Cmd.BATCH_DELETE, Buffer.alloc(3))).ret).toBe(ResultCode.BAD_BODY);
  await client.close();
  child.kill('SIGTERM');
  expect(await exited).toEqual({ code: 0, stderr: '' });
});

it('a typo in the conf is one line naming file, line and key, exit 78', async () => {
  const { exited } = await run('port = 0\npurge_ulr = http://x/purge\n');
  const { code, stderr } = await exited;
  expect(code).toBe(78);
  expect(stderr).toMatch(
    /^cs-del-svr: cannot start: .*cs-del-svr\.conf:2: unknown key "purge_ulr" \(did you mean purge_url\?\)\n$/,
  );
});
