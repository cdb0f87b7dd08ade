/**
 * `npm start` as a supervisor or a terminal runs it: SIGTERM to npm's pid, Ctrl-C (SIGINT to the
 * process group), and npm killed outright. Each time the whole stack stops cleanly (the embedded
 * FastDFS saves its state), every port closes, and no process of the group is left. Runs the built
 * apps (apps/stack/dist and the services it starts), on free ports (test/helpers/stack-conf.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FdfsClient } from 'fastdfs-client-ts';
import { allPorts, portRefused, writeStackConf, type StackPorts } from '../../helpers/stack-conf.js';
import { startStackProcess, type StackLogLine } from '../../helpers/stack-process.js';

const WAIT_MS = 20_000;

interface LogLine extends StackLogLine {
  tracker?: { port: number };
  storage?: { port: number };
}

interface Started {
  npm: ChildProcess;
  /** npm's pid, and the id of the process group it leads. */
  npmPid: number;
  /** The stack's supervisor, npm's child. */
  stackPid: number;
  /** The embedded FastDFS, the stack's child. */
  serverPid: number;
  trackerPort: number;
  storagePort: number;
  logs: StackLogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let dir: string;
let ports: StackPorts;
let started: Started | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-npm-start-'));
  ports = await writeStackConf(dir);
});

afterEach(async () => {
  // A failed test must not leave a server behind: kill whatever is left of the group.
  if (started !== null && groupAlive(started.npmPid)) process.kill(-started.npmPid, 'SIGKILL');
  started = null;
  await rm(dir, { recursive: true, force: true });
});

/** `npm start` in the repository root, leading its own process group, as a terminal's job would. */
async function npmStart(): Promise<Started> {
  const stack = await startStackProcess({ confDir: dir, command: 'npm', detached: true }, WAIT_MS);
  started = {
    npm: stack.child,
    npmPid: stack.pid,
    stackPid: 0,
    serverPid: 0,
    trackerPort: 0,
    storagePort: 0,
    logs: stack.logs,
    exited: stack.exited,
  };
  started.stackPid = stack.logs.find((l) => l.msg === 'stack ready')?.pid ?? 0;
  const line = stack.logs.find((l) => l.name === 'fdfs-embedded' && l.msg === 'listening') as LogLine | undefined;
  started.serverPid = line?.pid ?? 0;
  started.trackerPort = line?.tracker?.port ?? 0;
  started.storagePort = line?.storage?.port ?? 0;
  expect(started.stackPid).toBeGreaterThan(0);
  expect(started.serverPid).toBeGreaterThan(0);
  expect(started.trackerPort).toBeGreaterThan(0);
  expect(started.storagePort).toBeGreaterThan(0);
  return started;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether any process of the group led by `pgid` is still there. */
function groupAlive(pgid: number): boolean {
  return alive(-pgid);
}

async function waitFor(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${WAIT_MS} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The parent pid of `pid`, from /proc (Linux). */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** One upload through the tracker, so the stop has a counter to save. */
async function uploadOne(s: Started): Promise<void> {
  const client = new FdfsClient({ trackers: [`127.0.0.1:${s.trackerPort}`] });
  try {
    await client.upload(Buffer.from('a picture'), { ext: 'jpg' });
  } finally {
    await client.close();
  }
}

async function expectStoppedAndGone(s: Started, reason: string): Promise<void> {
  await waitFor('the server process to exit', () => !alive(s.serverPid));
  await waitFor('every process of the group to exit', () => !groupAlive(s.npmPid));
  for (const port of allPorts(ports)) expect(await portRefused(port), `port ${port}`).toBe(true);
  // A clean stop: the signal seen, the listeners closed, the state file written with the upload counted.
  expect(s.logs.find((l) => l.name === 'stack' && l.msg === 'stopping')?.reason).toBe(reason);
  expect(s.logs.some((l) => l.msg === 'embedded FastDFS stopped')).toBe(true);
  const state = JSON.parse(await readFile(join(dir, 'data/fdfs/data/.embedded-state.json'), 'utf8')) as {
    counters: { successUploadCount?: number };
  };
  expect(state.counters.successUploadCount).toBe(1);
}

describe('npm start', () => {
  it('runs the stack as npm’s own child (the script execs node, no shell in between)', async () => {
    const s = await npmStart();
    expect(await parentOf(s.stackPid)).toBe(s.npmPid);
    expect(await parentOf(s.serverPid)).toBe(s.stackPid);
    process.kill(s.npmPid, 'SIGTERM');
    await s.exited;
  }, 90_000);

  it('SIGTERM to npm’s pid stops the server cleanly, frees its ports, and npm exits 0', async () => {
    const s = await npmStart();
    await uploadOne(s);
    process.kill(s.npmPid, 'SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    await expectStoppedAndGone(s, 'SIGTERM');
  }, 90_000);

  it('Ctrl-C (SIGINT to the whole process group) stops it once, cleanly', async () => {
    const s = await npmStart();
    await uploadOne(s);
    process.kill(-s.npmPid, 'SIGINT');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    await expectStoppedAndGone(s, 'SIGINT');
    expect(s.logs.filter((l) => l.name === 'stack' && l.msg === 'stopping')).toHaveLength(1);
    expect(s.logs.filter((l) => l.name === 'fdfs-embedded' && l.msg === 'stopping')).toHaveLength(1);
  }, 90_000);

  it('npm killed with SIGKILL (no signal forwarded): the server sees its parent gone and stops cleanly', async () => {
    const s = await npmStart();
    await uploadOne(s);
    process.kill(s.npmPid, 'SIGKILL');
    expect(await s.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await expectStoppedAndGone(s, 'parent exited');
  }, 90_000);
});
