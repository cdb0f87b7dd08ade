// The processes of bench/front.bench.mjs, each its own: the embedded FastDFS and the front (their dist/main.js),
// nginx and varnishd as throwaway instances under a temp dir, and bare node:http (front-bare-http.mjs).
// Every child is tracked by one ChildSet, so that the end of the bench, or Ctrl-C, stops them all.
/* global fetch, AbortSignal */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { stopChild } from './bench-kit.mjs';
import { nodeArgsOf } from '../apps/stack/dist/service-table.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** A child that ignores SIGTERM this long is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** A server that does not answer within this is a failed start. */
const START_TIMEOUT_MS = 30_000;
/** Bytes of a child's output kept to explain a failed start. */
const OUTPUT_KEPT = 8192;

export const appMain = (app) => join(ROOT, 'apps', app, 'dist', 'main.js');

/** The path of executable `name` on $PATH (and the sbin directories, where nginx and varnishd live), or undefined. */
export function findTool(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The children started so far; stopAll() stops those still running (SIGTERM, SIGKILL after 10 s). */
export class ChildSet {
  #children = new Set();
  #closed = false;

  spawn(command, args, options) {
    // After stopAll (Ctrl-C), a cell still running must not start what nothing would stop.
    if (this.#closed) throw new Error(`not starting ${command}: the bench is stopping`);
    const child = spawn(command, args, options);
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    child.once('error', () => this.#children.delete(child));
    return child;
  }

  async stop(child) {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await stopChild(child);
    clearTimeout(kill);
  }

  async stopAll() {
    this.#closed = true;
    await Promise.all([...this.#children].reverse().map((child) => this.stop(child)));
  }
}

/** glibc's MALLOC_* tunables of this shell (MALLOC_ARENA_MAX=2 ...), passed on to the front to try them. */
const mallocEnv = () => Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('MALLOC_')));

/** The last OUTPUT_KEPT bytes a stream gave, for an error message. */
function tail(stream) {
  let text = '';
  stream?.setEncoding('utf8').on('data', (chunk) => (text = (text + chunk).slice(-OUTPUT_KEPT)));
  return () => text.trim();
}

/**
 * Starts `node apps/<app>/dist/main.js` with `env` only (no PIC_* of this shell leaks in); resolves with
 * { child, entry } once it logs its `listening` line (pino JSON on stdout; the rest is read and dropped).
 */
export function startApp(children, app, env) {
  // Each app with the node options the stack gives it (nodeArgsOf); the front's BENCH_FRONT_NODE_ARGS
  // instead, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p" or "--max-semi-space-size=16", to profile it or try a setting.
  const frontArgs = process.env.BENCH_FRONT_NODE_ARGS?.split(' ').filter(Boolean);
  const nodeArgs = app === 'front' && frontArgs !== undefined ? frontArgs : nodeArgsOf(app);
  const child = children.spawn(process.execPath, [...nodeArgs, appMain(app)], {
    env: { PATH: process.env.PATH, ...(app === 'front' ? mallocEnv() : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr = tail(child.stderr);
  return withTimeout(
    new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        if (!line.startsWith('{')) return;
        const entry = JSON.parse(line);
        if (entry.level >= 50) console.error(`  ${app}: ${line}`);
        if (entry.msg !== 'listening') return;
        lines.removeAllListeners('line');
        lines.on('line', (more) => {
          // Errors after the start are shown: a run full of them says more than its rate.
          if (more.includes('"level":50') || more.includes('"level":60')) console.error(`  ${app}: ${more}`);
        });
        resolve({ child, entry });
      });
      child.once('exit', (code) => reject(new Error(`${app} exited with ${code} before listening: ${stderr()}`)));
    }),
    `${app} did not log "listening"`,
  );
}

/** The embedded FastDFS on free ports, its files under `dir`/data; resolves with { child, tracker }. */
export async function startFdfs(children, dir) {
  const confDir = join(dir, 'conf-fdfs');
  await mkdir(confDir, { recursive: true });
  await writeFile(join(confDir, 'fdfs-embedded.conf'), 'tracker_port = 0\nstorage_port = 0\n');
  const { child, entry } = await startApp(children, 'fdfs-embedded', {
    PIC_CONF_DIR: confDir,
    PIC_DATA_DIR: join(dir, 'data'),
  });
  return { child, tracker: `${entry.tracker.host}:${entry.tracker.port}` };
}

/**
 * The front on `port` with a front.conf of its own under `dir`/`name`: cluster 0 = `tracker`, `desKey`,
 * no Redis, no metadata_dbsvr, and `extra` conf lines (e.g. cache_memory). Resolves with { child, url }.
 */
export async function startFront(children, dir, name, { tracker, port, desKey, extra = [] }) {
  const confDir = join(dir, name);
  await mkdir(confDir, { recursive: true });
  const lines = [
    `cluster_0 = ${tracker}`,
    `des_key = ${desKey}`,
    'redis_url =',
    'metadata_server =',
    // Each upload of the bench has a fresh key (as each page load would); the count never refuses one.
    'max_checks = 1000',
    ...extra,
  ];
  await writeFile(join(confDir, 'front.conf'), `${lines.join('\n')}\n`);
  const { child } = await startApp(children, 'front', {
    PIC_CONF_DIR: confDir,
    PIC_DATA_DIR: join(dir, 'data'),
    PIC_PORT: String(port),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/status`);
  return { child, url };
}

/**
 * nginx serving `root` on 127.0.0.1:`port`: one worker (the front is one event loop), no master, access_log
 * off, sendfile, keep-alive without a request limit (wrk keeps its connections, as it does with the front).
 * Everything it writes (pid, error log, temp dirs) stays in `dir`/nginx.
 */
export async function startNginx(children, nginx, dir, { port, root }) {
  const prefix = join(dir, 'nginx');
  await mkdir(prefix, { recursive: true });
  const temp = (what) => join(prefix, what);
  const conf = `daemon off;
master_process off;
worker_processes 1;
error_log ${temp('error.log')} warn;
pid ${temp('nginx.pid')};
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  types { image/jpeg jpg; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;
  keepalive_timeout 65;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`;
  await writeFile(join(prefix, 'nginx.conf'), conf);
  const child = children.spawn(nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = tail(child.stderr);
  await waitForHttp(`http://127.0.0.1:${port}/`, { child, output: stderr, accept: () => true });
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * varnishd in the foreground, in front of 127.0.0.1:`backendPort`, its working dir in `dir`/varnish, a 256 MB
 * malloc store, the default VCL, and a default TTL of a day (nginx sends no Cache-Control: with varnish's 120 s
 * a long run would refetch mid-cell).
 */
export async function startVarnish(children, varnishd, dir, { port, backendPort }) {
  const args = ['-F', '-n', join(dir, 'varnish'), '-a', `127.0.0.1:${port}`, '-b', `127.0.0.1:${backendPort}`];
  const child = children.spawn(varnishd, [...args, '-s', 'malloc,256m', '-t', '86400'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = tail(child.stdout);
  const err = tail(child.stderr);
  await waitForHttp(`http://127.0.0.1:${port}/`, { child, output: () => `${out()}\n${err()}`, accept: () => true });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** bench/front-bare-http.mjs answering `file`'s bytes on `port`. */
export async function startBareHttp(children, file, port) {
  const script = join(ROOT, 'bench', 'front-bare-http.mjs');
  const child = children.spawn(process.execPath, [script, file, String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await waitForHttp(`http://127.0.0.1:${port}/`, { child, output: tail(child.stderr) });
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * Resolves once `url` answers (`accept(status)`, default 200), polling; rejects when `child` exits first or
 * after START_TIMEOUT_MS, with what the child printed.
 */
export async function waitForHttp(url, { child, output = () => '', accept = (status) => status === 200 } = {}) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${child.spawnfile} exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (accept(res.status)) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? (err.cause?.code ?? err.message) : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${START_TIMEOUT_MS / 1000} s (${last}): ${output()}`);
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
