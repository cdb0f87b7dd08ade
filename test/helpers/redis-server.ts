/**
 * A real redis-server for tests: `startRedisServer()` runs one on a free 127.0.0.1 port with no
 * persistence, in a temp folder, and waits until it answers; `stop()` ends it (SIGTERM, then
 * SIGKILL) and removes the folder. `pause()` / `resume()` freeze it (SIGSTOP / SIGCONT), for a
 * Redis that hangs rather than refuses. Start another on the same port to model a restart.
 *
 *   const redis = await startRedisServer();
 *   afterAll(() => redis.stop());
 *   ... redis.url  // redis://127.0.0.1:<port>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

/** Whether a redis-server is there to start (for describe.skipIf). */
export const hasRedisServer = existsSync(REDIS_SERVER_BIN);

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  pause(): void;
  resume(): void;
  /** Ends the server; safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/** A client of the test's own, to look into Redis beside the code under test (connected; disconnect() it). */
export async function peekClient(url: string): Promise<Redis> {
  const peek = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 2_000 });
  await peek.connect();
  return peek;
}

/** `port` 0 (default): a free one. */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServer> {
  let lastError: unknown;
  // A free port found by binding it can be taken by someone else before redis-server binds it: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port || (await freePort());
    try {
      return await startOn(port);
    } catch (err) {
      lastError = err;
      if (options.port) break;
    }
  }
  throw lastError;
}

async function startOn(port: number): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'pic-redis-'));
  const child = spawn(
    REDIS_SERVER_BIN,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    await waitForPing(port, child);
  } catch (err) {
    await stop();
    throw new Error(`redis-server on port ${port} did not start: ${(err as Error).message}\n${output}`);
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid as number,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    stop,
  };
}

/** Polls PING over a raw socket until +PONG, the child exits, or READY_TIMEOUT_MS passes. */
async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with status ${child.exitCode}`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no PONG in ${READY_TIMEOUT_MS} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk: Buffer) => done(chunk.toString().startsWith('+PONG')));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
