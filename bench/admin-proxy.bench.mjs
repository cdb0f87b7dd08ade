#!/usr/bin/env node
// Requests/s through admin_proxy against the same requests sent straight to its backend. A benchmark,
// not a test: it prints medians and ratios, never fails on them. No target: against an echo backend that
// does no work this is the proxy's worst case, its own cost alone; the target (>= 0.7) is held on a real
// backend's work, session checks (bench/session-check-proxy.bench.mjs).
//
//   npx tsc -b && node bench/admin-proxy.bench.mjs
//   node bench/admin-proxy.bench.mjs --backend 127.0.0.1:7003 --cmd 0x10B5 --body-hex 3a9f...   # a real service
//
// Processes, as in production: the backend (by default an echo service, a FrameServer from
// libs/frame-service/dist started by this script in a child process; or --backend host:port), the
// proxy (apps/admin-proxy/dist/main.js with the node options `npm start` gives it, and a conf written to a
// temp dir: one route, cmd -> backend),
// and this process as the clients. Each client is one FrameClient (one connection) keeping DEPTH
// requests in flight (pipelined). In each cell (a number of clients) the two paths run alternately,
// direct proxied proxied direct ..., after a warm-up of each; a run lasts BENCH_SECONDS and counts the
// responses. Per cell: the median requests/s of each path, the median of the paired ratios (round i
// proxied over round i direct) with their range, and the ret codes seen (a backend that answers only
// errors is measured too, so look at them).
//
//   BENCH_CLIENTS=1,16     clients (connections) per cell
//   BENCH_DEPTH=8          requests in flight per client
//   BENCH_ROUNDS=5         runs per path per cell
//   BENCH_SECONDS=2        duration of one run
//   --cmd N                cmd of the requests (decimal or 0x hex); default 3002
//   --body-hex HEX         body of every request; default 68 bytes (one 3002 entry)
//   --echo-work-us N       the echo backend spins N microseconds per request (a backend that does some
//                          work, as every real one does); default 0, the proxy's worst case
//   --quick                3 rounds of 1 s unless BENCH_ROUNDS / BENCH_SECONDS say otherwise
//   --json <file>          also writes the ratios there (bench/README.md, "The summary file")
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FrameClient, FrameServer } from '@pic-storage/frame-service';
import { appArgs, byMode, fail, median, option, rangeOf, stopChild, summaryRow, writeSummary } from './bench-kit.mjs';

const numbers = (value, fallback) => (value || fallback).split(',').map(Number);
const CLIENTS = numbers(process.env.BENCH_CLIENTS, '1,16');
const DEPTH = Number(process.env.BENCH_DEPTH || 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS || byMode(5, 3));
const SECONDS = Number(process.env.BENCH_SECONDS || byMode(2, 1));

/** Starts `args` with node; resolves with the child and the first stdout line JSON for which `ready` holds. */
async function startChild(args, ready, options = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`))),
  );
  const found = (async () => {
    for await (const line of lines) {
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (ready(entry)) return entry;
    }
    throw new Error(`${args.join(' ')} ended its output before it was ready`);
  })();
  const entry = await Promise.race([found, exited]);
  child.stdout.resume(); // keep draining its log so it never blocks on a full pipe
  return { child, entry };
}

/** Requests/s of `clients` FrameClients to `address`, DEPTH in flight each, for `seconds`. */
async function run(address, clients, seconds, request) {
  const pool = Array.from(
    { length: clients },
    () => new FrameClient({ ...address, maxInFlight: DEPTH, requestTimeoutMs: 30_000 }),
  );
  const rets = new Map();
  let count = 0;
  let stopAt = Infinity;
  const worker = async (client) => {
    while (performance.now() < stopAt) {
      const response = await client.request(request.cmd, request.body);
      count++;
      rets.set(response.ret, (rets.get(response.ret) ?? 0) + 1);
    }
  };
  // One request per client first, so connecting is not timed.
  await Promise.all(pool.map((client) => client.request(request.cmd, request.body)));
  const start = performance.now();
  stopAt = start + seconds * 1000;
  await Promise.all(pool.flatMap((client) => Array.from({ length: DEPTH }, () => worker(client))));
  const elapsed = (performance.now() - start) / 1000;
  await Promise.all(pool.map((client) => client.close()));
  return { rate: count / elapsed, rets };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function main() {
  const cmdText = option('--cmd') ?? '3002';
  const cmd = /^0x/i.test(cmdText) ? parseInt(cmdText, 16) : Number(cmdText);
  if (!Number.isInteger(cmd) || cmd < 0 || cmd > 0xffff) fail(`--cmd ${cmdText} is not a cmd number`);
  const bodyHex = option('--body-hex');
  if (bodyHex !== undefined && !/^([0-9a-f]{2})*$/i.test(bodyHex)) fail('--body-hex must be hex bytes');
  const request = { cmd, body: bodyHex === undefined ? Buffer.alloc(68, 0x61) : Buffer.from(bodyHex, 'hex') };

  const children = [];
  const dir = await mkdtemp(join(tmpdir(), 'admin-proxy-bench-'));
  const cleanUp = async () => {
    for (const child of children.reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    let backend = option('--backend');
    if (backend === undefined) {
      const echo = await startChild(
        [
          fileURLToPath(import.meta.url),
          '--serve-echo',
          '--cmd',
          String(cmd),
          '--echo-work-us',
          option('--echo-work-us') ?? '0',
        ],
        (e) => e.port !== undefined,
      );
      children.push(echo.child);
      backend = `127.0.0.1:${echo.entry.port}`;
    }
    const [backendHost, backendPort] = [backend.slice(0, backend.lastIndexOf(':')), Number(backend.split(':').pop())];
    await mkdir(join(dir, 'conf'));
    await writeFile(
      join(dir, 'conf', 'admin-proxy.conf'),
      `bind_addr = 127.0.0.1\nport = 0\nroute = ${cmd} ${backend}\nallow_from = 127.0.0.0/8\n`,
    );
    const proxy = await startChild(appArgs('admin-proxy'), (e) => e.msg === 'listening', {
      cwd: dir,
      env: { ...process.env, PIC_CONF_DIR: 'conf', LOG_LEVEL: 'info' }, // its 'listening' line gives the port
    });
    children.push(proxy.child);

    const paths = {
      direct: { host: backendHost, port: backendPort },
      proxied: { host: '127.0.0.1', port: proxy.entry.address.port },
    };
    console.log(
      `admin_proxy vs. direct: cmd ${cmd}, ${request.body.length}-byte body, backend ${backend}` +
        `${option('--backend') === undefined ? ` (echo, ${option('--echo-work-us') ?? 0} us of work)` : ''}; ` +
        `${DEPTH} in flight per client, ` +
        `${ROUNDS} rounds of ${SECONDS} s per path (the worst case: no target)`,
    );
    console.log('clients   direct req/s   proxied req/s   ratio (median, range)   rets (direct | proxied)');
    const summary = [];
    const backendName = option('--backend') === undefined ? 'echo backend' : `backend ${backend}`;
    for (const clients of CLIENTS) {
      // Warm-up: JIT and connections of both paths.
      await run(paths.direct, clients, SECONDS / 2, request);
      await run(paths.proxied, clients, SECONDS / 2, request);
      const rates = { direct: [], proxied: [] };
      const rets = { direct: new Map(), proxied: new Map() };
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? ['direct', 'proxied'] : ['proxied', 'direct'];
        for (const path of order) {
          const result = await run(paths[path], clients, SECONDS, request);
          rates[path].push(result.rate);
          for (const [ret, n] of result.rets) rets[path].set(ret, (rets[path].get(ret) ?? 0) + n);
        }
      }
      const ratios = rates.proxied.map((p, i) => p / rates.direct[i]);
      const ratio = median(ratios);
      const retText = (m) => [...m].map(([ret, n]) => `${ret}:${fmt(n)}`).join(' ');
      console.log(
        `${String(clients).padStart(7)}   ${fmt(median(rates.direct)).padStart(12)}   ` +
          `${fmt(median(rates.proxied)).padStart(13)}   ` +
          `${ratio.toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`.padEnd(24) +
          `${retText(rets.direct)} | ${retText(rets.proxied)}`,
      );
      summary.push(
        summaryRow({
          what: `cmd ${cmd} through admin_proxy, ${clients} client(s) x ${DEPTH} in flight`,
          ours: median(rates.proxied),
          reference: median(rates.direct),
          referenceName: `straight to the ${backendName}`,
          unit: 'req/s',
          ratio,
          range: rangeOf(ratios),
        }),
      );
    }
    writeSummary('admin-proxy', { rows: summary });
  } finally {
    await cleanUp();
  }
}

// --serve-echo: the child that is the default backend. Prints its port, echoes every body of --cmd with ret 0.
async function serveEcho() {
  const workMs = Number(option('--echo-work-us') ?? 0) / 1000;
  const echo = (request) => {
    for (const until = performance.now() + workMs; performance.now() < until;);
    return { body: request.body };
  };
  const server = new FrameServer({
    handlers: new Map([[Number(option('--cmd')), echo]]),
    port: 0,
    maxInFlightPerConnection: 1024,
  });
  await server.start();
  console.log(JSON.stringify({ port: server.address.port }));
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

if (process.argv.includes('--serve-echo')) await serveEcho();
else await main();
