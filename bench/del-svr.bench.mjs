#!/usr/bin/env node
// Durable acks/s of del_svr (cmd 3002) with 64 concurrent clients: del_svr as built (group commit:
// writes and fdatasyncs pipelined, one fdatasync for every request written while the previous one
// ran) against the same server with `fsync = false` (the ceiling: what the frame handling alone
// costs) and against naive servers that do one write and one fdatasync per request: one at a time
// (as a single-threaded server does: the reference of the target), and as many at once as the
// libuv thread pool runs (4; concurrent fdatasyncs share the file system's journal commits). A
// benchmark, not a test: it prints medians and ratios, never fails on them.
//
//   npm run build && node bench/del-svr.bench.mjs
//
// Every server runs in its own process, as in production: del_svr from apps/del-svr/dist (a conf
// with port = 0 and fsync on or off), the naive ones are this script started with --naive-server
// (the same frame server, decoding and line format; only the commit differs). All logs are in one
// folder, on one disk (BENCH_DIR, default the OS temp folder: it must not be a tmpfs, where fsync
// costs nothing). Each client is one connection with one request (one entry) in flight, answered
// before the next is sent. The servers stay up; the runs alternate between them (rotating the order
// every round), each BENCH_SECONDS long after a short warm-up. Per system the median acks/s; per
// pair the median of the round-by-round ratios, with their range. del_svr's requests per fdatasync
// come from its stats, logged when it stops.
// Targets: group fsync >= 0.8x fsync off, >= 3x per-request fsync (one at a time).
//
//   BENCH_ROUNDS=5          runs per system
//   BENCH_SECONDS=2         duration of one run
//   BENCH_CLIENTS=64        connections, one request in flight each
//   --quick                 3 rounds of 1 s unless BENCH_ROUNDS / BENCH_SECONDS say otherwise
//   --json <file>           also writes the ratios there (bench/README.md, "The summary file")
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { appArgs, byMode, median, rangeOf, summaryRow, writeSummary } from './bench-kit.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS || byMode(5, 3));
const SECONDS = Number(process.env.BENCH_SECONDS || byMode(2, 1));
const CLIENTS = Number(process.env.BENCH_CLIENTS || 64);
const WARMUP_MS = 500;

if (process.argv[2] === '--naive-server') {
  await naiveServer(process.argv[3], process.argv[4] === 'serial');
} else {
  await bench();
}

/** One write and one fdatasync per request, one request at a time or all at once: no grouping. */
async function naiveServer(logPath, serial) {
  const { FrameServer } = await import('@pic-storage/frame-service');
  const { Cmd, decodeQueueDeletesRequest } = await import('@pic-storage/frame-protocol');
  const { entriesOfPics, formatEntries } = await import('@pic-storage/delete-log');
  const log = await open(logPath, 'a');
  let previous = Promise.resolve();
  const commit = async (text) => {
    await log.write(text);
    await log.datasync();
  };
  const server = new FrameServer({
    port: 0,
    handlers: new Map([
      [
        Cmd.QUEUE_DELETES,
        async ({ body }) => {
          const text = `\n${formatEntries(entriesOfPics(decodeQueueDeletesRequest(body)))}`;
          if (serial) await (previous = previous.then(() => commit(text)));
          else await commit(text);
          return {};
        },
      ],
    ]),
  });
  await server.start();
  console.log(JSON.stringify({ msg: 'listening', port: server.address.port }));
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

async function bench() {
  const { FrameClient } = await import('@pic-storage/frame-service');
  const { Cmd, encodeQueueDeletesRequest } = await import('@pic-storage/frame-protocol');
  const dir = await mkdtemp(join(process.env.BENCH_DIR || tmpdir(), 'pic-del-svr-bench-'));
  const systems = [
    { name: 'del_svr (group fsync)', start: () => startDelSvr(dir, 'built', true) },
    { name: 'del_svr, fsync = false', start: () => startDelSvr(dir, 'nosync', false) },
    { name: 'per-request fsync, serial', start: () => startNaive(dir, 'serial') },
    { name: 'per-request fsync, x4', start: () => startNaive(dir, 'concurrent') },
  ];
  console.log(
    `del_svr durable acks/s: ${CLIENTS} clients, 1 entry per request, ${ROUNDS} rounds x ${SECONDS} s, ` +
      `logs in ${dir}; ${availableParallelism()} CPUs, load ${loadavg()[0].toFixed(2)}`,
  );
  const running = [];
  const summary = [];
  try {
    for (const system of systems) running.push(await system.start());
    const clientsOf = running.map(({ port }) =>
      Array.from({ length: CLIENTS }, () => new FrameClient({ host: '127.0.0.1', port, requestTimeoutMs: 30_000 })),
    );
    let nextId = 0;
    const body = () =>
      encodeQueueDeletesRequest([
        { hostid: 0, url: `g01/M00/00/00/${`CgEBxV${(nextId++).toString(36)}`.padEnd(27, 'A')}000.jpg` },
      ]);
    /** Closed loop on every client until `ms` have passed; resolves with the requests answered. */
    const load = async (clients, ms) => {
      let acks = 0;
      const end = performance.now() + ms;
      await Promise.all(
        clients.map(async (client) => {
          while (performance.now() < end) {
            const { ret } = await client.request(Cmd.QUEUE_DELETES, body());
            if (ret !== 0) throw new Error(`ret ${ret}`);
            acks++;
          }
        }),
      );
      return acks;
    };
    for (const clients of clientsOf) await load(clients, WARMUP_MS);
    const rates = systems.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < systems.length; k++) {
        const i = (round + k) % systems.length;
        const started = performance.now();
        const acks = await load(clientsOf[i], SECONDS * 1000);
        rates[i].push(acks / ((performance.now() - started) / 1000));
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
    }
    for (const clients of clientsOf) await Promise.all(clients.map((c) => c.close()));
    console.log('');
    systems.forEach((system, i) => console.log(`${system.name.padEnd(28)} ${fmt(median(rates[i]))} acks/s`));
    console.log('');
    const what = `del_svr (group fsync), ${CLIENTS} clients, one entry per request`;
    summary.push(
      ratioLine('group fsync / fsync off', rates[0], rates[1], 0.8, { what, referenceName: 'del_svr, fsync = false' }),
      ratioLine('group fsync / per-request fsync, serial', rates[0], rates[2], 3, {
        what,
        referenceName: 'a write + fdatasync per request, one at a time',
      }),
      ratioLine('group fsync / per-request fsync, x4', rates[0], rates[3], undefined, {
        what,
        referenceName: 'a write + fdatasync per request, 4 at once',
      }),
    );
  } finally {
    await Promise.all(running.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
  }
  const stats = running[0]?.stats;
  if (stats !== undefined) {
    console.log(
      `\ndel_svr (group fsync): ${stats.appends} requests, ${stats.writes} writes, ${stats.syncs} fdatasyncs ` +
        `(${(stats.appends / Math.max(1, stats.syncs)).toFixed(1)} requests per fdatasync)`,
    );
  }
  writeSummary('del-svr', { rows: summary });
}

/** Prints the median of the paired ratios a/b with their range; returns it as a summary row. */
function ratioLine(label, a, b, target, { what, referenceName }) {
  const ratios = a.map((x, i) => x / b[i]);
  const m = median(ratios);
  const range = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
  const verdict = target === undefined ? '' : `; target >= ${target}x: ${m >= target ? 'met' : 'NOT met'}`;
  console.log(`${label.padEnd(42)} ${m.toFixed(2)}x  (rounds ${range}${verdict})`);
  const [ours, reference] = [median(a), median(b)];
  const unit = 'acks/s';
  return summaryRow({ what, ours, reference, referenceName, unit, ratio: m, range: rangeOf(ratios), goal: target });
}

async function startDelSvr(dir, name, fsync) {
  const confDir = join(dir, `${name}-conf`);
  await mkdir(confDir);
  await writeFile(join(confDir, 'del-svr.conf'), `port = 0\nbase_path = ${join(dir, name)}\nfsync = ${fsync}\n`);
  return startChild(appArgs('del-svr'), { PIC_CONF_DIR: confDir });
}

function startNaive(dir, mode) {
  return startChild([fileURLToPath(import.meta.url), '--naive-server', join(dir, `naive-${mode}.log`), mode], {});
}

/** A server process; resolves once it logs `listening` with its port (del_svr logs it at info). */
function startChild(args, env) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const server = {
    port: 0,
    stats: undefined,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === 'listening' && typeof entry.port === 'number') {
        resolve(server);
        server.port = entry.port;
      }
      if (entry.msg === 'stopped') server.stats = entry.stats;
    });
  });
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US').padStart(8);
}
