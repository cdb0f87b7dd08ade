/**
 * del_file_ontime (the built CLI, apps/del-file-ontime/bin) killed with SIGKILL half-way, while a
 * batch hangs at the backend, then run again: the second run takes over the dead run's lock,
 * resumes after the last batch recorded, sends every entry not yet answered (the hung batch
 * included: at-least-once), and its summary counts each of them once.
 */
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DeleteLogWriter } from '@pic-storage/delete-log';
import { entriesOf, keyOf, startFakeBatchDelete, type FakeBatchDelete } from '../../helpers/delete-log.js';

const BIN = fileURLToPath(new URL('../../../apps/del-file-ontime/bin/del_file_ontime.mjs', import.meta.url));

let dir: string;
let fake: FakeBatchDelete;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-del-file-ontime-kill-'));
  fake = await startFakeBatchDelete();
});

afterEach(async () => {
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

function runCli(log: string): { exited: Promise<{ code: number | null; stdout: string }>; kill(): void } {
  const child = spawn(process.execPath, [BIN, '--batch', '10', log, `127.0.0.1:${fake.port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.resume();
  return {
    exited: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout }))),
    kill: () => child.kill('SIGKILL'),
  };
}

it('a run killed half-way and run again: every entry sent at least once, each counted once', async () => {
  const log = join(dir, 'delete.log');
  const writer = new DeleteLogWriter({ path: log });
  await writer.open();
  const entries = entriesOf(0, 95);
  await writer.append(entries);
  await writer.close();

  const first = runCli(log);
  await fake.waitForBatches(4);
  fake.hang = true; // batches 1-4 are answered; the 5th hangs
  await fake.waitForBatches(5);
  first.kill();
  expect((await first.exited).code).toBeNull();
  await access(`${log}.lock`); // left behind by the killed run
  expect(JSON.parse(await readFile(`${log}.progress`, 'utf8'))).toMatchObject({ work: expect.any(Number) });

  fake.hang = false;
  fake.release();
  const answeredBefore = fake.batches.slice(0, 4).flat().map(keyOf);
  fake.batches.length = 0;
  const second = runCli(log);
  const { code, stdout } = await second.exited;
  expect(code).toBe(0);
  // The 4 answered batches were recorded before the 5th was sent: the rest is 55, counted once.
  expect(stdout).toBe('deleted 55, failed 0, kept for the next run: 0 (finished an interrupted run first)\n');
  const answeredAfter = fake.batches.flat().map(keyOf);
  expect(answeredAfter).toEqual(entries.slice(40).map(keyOf));
  expect(new Set([...answeredBefore, ...answeredAfter])).toEqual(new Set(entries.map(keyOf)));
});
