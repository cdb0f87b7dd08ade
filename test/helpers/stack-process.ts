/**
 * The whole stack as a child process of a test, on a conf directory of free ports
 * (stack-conf.ts): `npm start` at the repository root, as the README says, or the supervisor's
 * main directly. Collects its JSON log lines and its stderr (the startup table, conf errors).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface StackLogLine {
  msg?: string;
  name?: string;
  pid?: number;
  service?: string;
  reason?: string;
  restartInMs?: number;
  [field: string]: unknown;
}

export interface StackProcess {
  child: ChildProcess;
  pid: number;
  logs: StackLogLine[];
  /** Everything written on stderr so far. */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first log line (already seen or still to come) that `match` accepts. */
  waitForLog(match: (line: StackLogLine) => boolean, timeoutMs?: number): Promise<StackLogLine>;
}

export interface StackProcessOptions {
  /** The conf directory (PIC_CONF_DIR); the data goes to `<confDir>/data`. */
  confDir: string;
  /** `npm`: `npm start` in the repository (default); `node`: apps/stack/dist/main.js. */
  command?: 'npm' | 'node';
  /** Leads its own process group, as a terminal's job (to signal the group). */
  detached?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Starts the stack; resolves once it logged `stack ready` and wrote its startup table. */
export async function startStackProcess(options: StackProcessOptions, readyMs = 60_000): Promise<StackProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PIC_CONF_DIR: options.confDir,
    PIC_DATA_DIR: join(options.confDir, 'data'),
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const [file, args] =
    options.command === 'node'
      ? [process.execPath, [join(REPO, 'apps/stack/dist/main.js')]]
      : ['npm', ['start', '--silent']];
  const child = spawn(file, args, { cwd: REPO, env, detached: options.detached, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: StackLogLine[] = [];
  const waiters: { match: (line: StackLogLine) => boolean; resolve: (line: StackLogLine) => void }[] = [];
  let stderr = '';
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as StackLogLine;
      logs.push(entry);
      for (const waiter of waiters.filter((w) => w.match(entry))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(entry);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    output += chunk;
  });
  const waitForLog = (match: (line: StackLogLine) => boolean, timeoutMs = readyMs): Promise<StackLogLine> => {
    const seen = logs.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no such log line after ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
      waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void exited.then(({ code, signal }) =>
        reject(new Error(`the stack exited (${code ?? signal}) before that log line:\n${output}`)),
      );
    });
  };
  if (child.pid === undefined) throw new Error(`${file} did not start`);
  await waitForLog((l) => l.msg === 'stack ready');
  // The table follows the `stack ready` line, on stderr.
  for (let waited = 0; !stderr.includes('Stop with Ctrl-C') && waited < 5_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, pid: child.pid, logs, stderr: () => stderr, exited, waitForLog };
}
