/**
 * The stack's supervisor restarts a service that dies (here SIGKILLed, as the OOM killer would),
 * logs it, and waits longer after each death in a row: 1 s, then 2 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { probe } from '../../helpers/frame-fuzz.js';
import { startStackProcess, type StackProcess } from '../../helpers/stack-process.js';
import { writeStackConf, type StackPorts } from '../../helpers/stack-conf.js';

let dir: string;
let ports: StackPorts;
let stack: StackProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-restart-'));
  ports = await writeStackConf(dir);
  stack = await startStackProcess({ confDir: dir, command: 'node' });
}, 70_000);

afterAll(async () => {
  if (stack !== undefined && stack.child.exitCode === null) stack.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

it('a killed service is restarted, logged, with a growing delay, and serves again', async () => {
  const name = 'cut-svr#1';
  const startedLines = () => stack.logs.filter((l) => l.msg === 'service started' && l.service === name);
  let previous: unknown;
  for (const delay of [1_000, 2_000]) {
    const pids = new Set(startedLines().map((l) => l.pid));
    const pid = startedLines().at(-1)?.pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number, 'SIGKILL');
    const exited = await stack.waitForLog(
      (l) => l.msg === 'service exited, restarting' && l.service === name && l !== previous,
      10_000,
    );
    previous = exited;
    expect(exited).toMatchObject({ signal: 'SIGKILL', restartInMs: delay });
    const restarted = await stack.waitForLog(
      (l) => l.msg === 'service started' && l.service === name && !pids.has(l.pid),
      delay + 10_000,
    );
    await stack.waitForLog((l) => l.msg === 'listening' && l.pid === restarted.pid, 20_000);
    // Serving again: an empty crop body is BAD_BODY (1001).
    expect(await probe({ host: '127.0.0.1', port: ports.cutSvr[0] }, 3005, Buffer.alloc(0))).toBe(1001);
  }
  // The others were not touched.
  expect(stack.logs.filter((l) => l.msg === 'service exited, restarting' && l.service !== name)).toEqual([]);
  stack.child.kill('SIGTERM');
  expect(await stack.exited).toEqual({ code: 0, signal: null });
}, 60_000);
