#!/usr/bin/env node
// FastDFS's C client against the embedded FastDFS with and without TCP_QUICKACK (libs/tcp-quickack),
// and against a real FastDFS. A benchmark, not a test: it prints medians and ratios, never fails on them.
//
//   npm run build && npm run bench:c-stall
//   FDFS_TRACKER=127.0.0.2:22222 npm run bench:c-stall      # adds a real FastDFS column
//
// The stall: the C client sends a request in two writes (header and fields, then the file or the
// metadata) with Nagle on. Once a storage connection has answered one request, Linux delays the ACK
// of the next small segment by 40 ms or more, and Nagle holds the second write until that ACK: one
// request per ~44 ms on a kept-alive connection, whatever the server's speed. FastDFS's storage sets
// TCP_QUICKACK after every read; the embedded server does the same through libs/tcp-quickack.
//
// Servers (each workload runs on each, in an order rotated every round):
//   quickack on    the embedded FastDFS as shipped (libs/fdfs-embedded/dist, own process)
//   quickack off   the same with PIC_TCP_QUICKACK=0
//   real           the FastDFS at FDFS_TRACKER, when set and reachable
// Workloads (each runs when its program exists; with none of them the bench says why and exits 0):
//   c-lib upload   FastDFS's C client library on kept-alive connections: bench/c/fdfs-bench.c (built by
//                  bench/c-driver.mjs when /usr/include/fastdfs exists), one thread, BENCH_SECONDS a run
//   fdfs_test      FastDFS's own test program, `fdfs_test <conf> upload <file>`: upload, set metadata,
//                  slave upload, ... on one storage connection; BENCH_RUNS processes a round
//   upload_file    `fdfs_upload_file`, one new connection per upload (the control: a fresh connection
//                  ACKs at once, so it never stalled); BENCH_RUNS processes a round
// Files the two program workloads upload to the real FastDFS are deleted after each round (untimed).
//
//   BENCH_SIZE=4096     bytes per file (one or more, comma-separated; the stall is below the 64 KiB MSS
//                       of loopback)
//   BENCH_ROUNDS=5      runs per server per workload
//   BENCH_SECONDS=2     length of one c-lib upload run
//   BENCH_RUNS=10       processes per program run
//   FDFS_C_TOOLS_DIR    where fdfs_test, fdfs_upload_file and fdfs_delete_file are (default /usr/bin)
//   --quick             3 rounds, runs of 1 s or 5 processes, unless the variables above say otherwise
//   --json <file>       also writes the ratios there (bench/README.md, "The summary file")
import { Buffer } from 'node:buffer';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { byMode, rangeOf, summaryRow, writeSummary } from './bench-kit.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SIZES = (process.env.BENCH_SIZE || '4096').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS || byMode(5, 3));
const SECONDS = Number(process.env.BENCH_SECONDS || byMode(2, 1));
const RUNS = Number(process.env.BENCH_RUNS || byMode(10, 5));
const TOOLS = process.env.FDFS_C_TOOLS_DIR || '/usr/bin';
const run = promisify(execFile);
/** Every program run and every connection attempt is bounded. */
const TOOL_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 15_000;
const PROBE_TIMEOUT_MS = 3_000;

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

for (const [name, values] of [
  ['BENCH_SIZE', SIZES],
  ['BENCH_ROUNDS', [ROUNDS]],
  ['BENCH_SECONDS', [SECONDS]],
  ['BENCH_RUNS', [RUNS]],
]) {
  if (!values.every((v) => Number.isFinite(v) && v > 0)) fail(`${name} must be positive numbers`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The embedded FastDFS in its own process, PIC_TCP_QUICKACK as given; says whether quickAck() is active. */
async function startEmbedded(quickack) {
  const dist = new URL('../libs/fdfs-embedded/dist/index.js', import.meta.url);
  const qaDist = new URL('../libs/tcp-quickack/dist/index.js', import.meta.url);
  if (!existsSync(dist) || !existsSync(qaDist)) fail('libs/*/dist is missing: run `npm run build` first');
  const dir = await mkdtemp(join(tmpdir(), 'fdfs-stall-'));
  const script = `
    import { EmbeddedFdfs } from '${dist.href}';
    import { quickAckAvailable, quickAckUnavailableReason } from '${qaDist.href}';
    const s = new EmbeddedFdfs({ basePath: process.argv[1], trackerPort: 0, storagePort: 0, logger: false });
    await s.start();
    const { host, port } = s.trackerAddress;
    console.log(JSON.stringify({ tracker: host + ':' + port, quickAckAvailable, quickAckUnavailableReason }));
    // Stops when the bench closes stdin, also if the bench dies.
    process.stdin.resume();
    process.stdin.on('end', async () => { await s.stop(); process.exit(0); });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, PIC_TCP_QUICKACK: quickack ? '1' : '0' },
  });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('embedded server not ready in time')), READY_TIMEOUT_MS);
    child.stdout.once('data', (d) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(d)));
    });
    child.once('exit', (code) => reject(new Error(`embedded server exited with ${code}`)));
  });
  return {
    name: quickack ? 'quickack on' : 'quickack off',
    tracker: ready.tracker,
    quickAck: ready.quickAckAvailable,
    why: ready.quickAckUnavailableReason,
    dir,
    cleanUp: false, // its files go with its temp dir
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether host:port accepts a TCP connection within the probe timeout. */
function reachable(hostPort) {
  const i = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect(Number(hostPort.slice(i + 1)), hostPort.slice(0, i));
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    function done(ok) {
      socket.destroy();
      resolve(ok);
    }
  });
}

async function realServer() {
  const tracker = process.env.FDFS_TRACKER;
  if (!tracker) return { skip: 'no real FastDFS: set FDFS_TRACKER=host:port to add one' };
  if (!(await reachable(tracker))) return { skip: `no real FastDFS: ${tracker} does not answer` };
  const dir = await mkdtemp(join(tmpdir(), 'fdfs-stall-real-'));
  return {
    name: 'real',
    tracker,
    dir,
    cleanUp: true,
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}

async function clientConf(server) {
  const path = join(server.dir, 'client.conf');
  const text =
    `connect_timeout = 5\nnetwork_timeout = 30\nbase_path = ${server.dir}\n` +
    `tracker_server = ${server.tracker}\nlog_level = warn\nuse_connection_pool = false\n`;
  await writeFile(path, text);
  return path;
}

/** Runs one C program (a path, or a name in FDFS_C_TOOLS_DIR); its stdout. */
async function tool(program, args) {
  try {
    return (await run(program.includes('/') ? program : join(TOOLS, program), args, { timeout: TOOL_TIMEOUT_MS }))
      .stdout;
  } catch (e) {
    throw new Error(`${program} ${args.join(' ')} failed: ${String(e.stderr || e.message).trim()}`);
  }
}

/** A workload run of `RUNS` program processes in a row: programs per second. */
async function programRuns(server, conf, file, program) {
  const ids = [];
  const start = performance.now();
  for (let i = 0; i < RUNS; i += 1) {
    const out = await (program === 'fdfs_test'
      ? tool('fdfs_test', [conf, 'upload', file])
      : tool('fdfs_upload_file', [conf, file]));
    if (server.cleanUp) {
      if (program === 'fdfs_test') {
        for (const m of out.matchAll(/group_name=(\S+), remote_filename=(\S+)/g)) ids.push(`${m[1]}/${m[2]}`);
      } else ids.push(out.trim());
    }
  }
  const rate = RUNS / ((performance.now() - start) / 1000);
  // Slaves first: a master with slaves cannot be deleted before them on some versions.
  for (const id of ids.reverse()) await tool('fdfs_delete_file', [conf, id]).catch(() => undefined);
  return rate;
}

async function workloads() {
  const list = [];
  const skips = [];
  try {
    const { buildCDriver } = await import('./c-driver.mjs');
    const driver = buildCDriver(ROOT);
    if (driver.path) list.push({ name: 'c-lib upload', unit: 'uploads/s', driver: driver.path });
    else skips.push(`c-lib upload: ${driver.skip}`);
  } catch (e) {
    skips.push(`c-lib upload: bench/c-driver.mjs is not usable (${e.message})`);
  }
  for (const program of ['fdfs_test', 'fdfs_upload_file']) {
    const needs = [program, ...(process.env.FDFS_TRACKER ? ['fdfs_delete_file'] : [])];
    const missing = needs.find((t) => !existsSync(join(TOOLS, t)));
    const name = program === 'fdfs_test' ? 'fdfs_test' : 'upload_file';
    if (missing) skips.push(`${name}: no ${join(TOOLS, missing)}`);
    else list.push({ name, unit: program === 'fdfs_test' ? 'runs/s' : 'uploads/s', program });
  }
  return { list, skips };
}

async function runOnce(workload, server, size) {
  if (workload.driver) {
    const args = ['--tracker', server.tracker, '--op', 'upload', '--size', String(size), '--concurrency', '1'];
    const out = await tool(workload.driver, [...args, '--seconds', String(SECONDS)]);
    const result = JSON.parse(out.trim().split('\n').pop());
    return result.ops / result.seconds;
  }
  return programRuns(server, server.conf, server.files.get(size), workload.program);
}

function format(rate) {
  return rate >= 100 ? rate.toFixed(0) : rate.toFixed(1);
}

async function main() {
  const { list, skips } = await workloads();
  for (const s of skips) console.log(`skip ${s}`);
  if (list.length === 0) {
    console.log('bench: no FastDFS C client on this machine; nothing to measure');
    writeSummary('c-stall', { skipped: `no FastDFS C client: ${skips.join('; ')}` });
    return;
  }
  const notes = skips.map((s) => `${s} (skipped)`);
  const rows = [];
  const servers = [];
  const stopAll = () => Promise.allSettled(servers.map((s) => s.stop()));
  process.once('SIGINT', () => stopAll().then(() => process.exit(130)));
  try {
    servers.push(await startEmbedded(true), await startEmbedded(false));
    const real = await realServer();
    if (real.skip) {
      console.log(`skip ${real.skip}`);
      notes.push(real.skip);
    } else servers.push(real);
    for (const server of servers) {
      server.conf = await clientConf(server);
      server.files = new Map();
      for (const size of SIZES) {
        const file = join(server.dir, `picture-${size}.jpg`);
        await writeFile(file, Buffer.alloc(size, 0x5a));
        server.files.set(size, file);
      }
    }
    const on = servers[0];
    if (!on.quickAck) console.log(`warning: quickAck() is a no-op in the "quickack on" server: ${on.why}`);
    console.log(
      `cpus ${availableParallelism()}, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; ${ROUNDS} rounds, medians; ratios are medians of the per-round ratios`,
    );
    const head = ['workload', 'size', 'unit', ...servers.map((s) => s.name), 'on/off'];
    if (servers.length > 2) head.push('on/real');
    console.log(head.join('\t'));
    for (const workload of list) {
      for (const size of SIZES) {
        // One untimed run per server: connections, JIT, page cache.
        for (const server of servers) await runOnce(workload, server, size);
        const rates = servers.map(() => []);
        for (let round = 0; round < ROUNDS; round += 1) {
          for (let k = 0; k < servers.length; k += 1) {
            const i = (round + k) % servers.length;
            rates[i].push(await runOnce(workload, servers[i], size));
          }
        }
        const ratios = (a, b) => rates[a].map((r, round) => r / rates[b][round]);
        const ratio = (a, b) => median(ratios(a, b));
        const row = [workload.name, size, workload.unit, ...rates.map((r) => format(median(r)))];
        row.push(`${ratio(0, 1).toFixed(1)}x`);
        if (servers.length > 2) row.push(ratio(0, 2).toFixed(2));
        console.log(row.join('\t'));
        for (const reference of servers.length > 2 ? [1, 2] : [1]) {
          rows.push(
            summaryRow({
              what: `${workload.name} ${size} B, C client on the embedded FastDFS (quickack on)`,
              ours: median(rates[0]),
              reference: median(rates[reference]),
              referenceName: reference === 1 ? 'embedded FastDFS, quickack off' : 'real FastDFS',
              unit: workload.unit,
              ratio: ratio(0, reference),
              range: rangeOf(ratios(0, reference)),
            }),
          );
        }
      }
    }
    writeSummary('c-stall', { rows, notes });
  } finally {
    await stopAll();
  }
}

main().catch((e) => fail(e.stack || String(e)));
