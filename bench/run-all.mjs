#!/usr/bin/env node
// Every benchmark, one after the other, and one table of their ratios against the reference systems. A
// measurement, not a test: it exits 0 whether goals are met or not, and non-zero only when a bench crashed
// (or the build failed).
//
//   npm run bench                                   # = node bench/run-all.mjs: builds (tsc -b), then every bench
//   npm run bench -- --quick                        # fewer rounds, shorter runs: to check, not to publish
//   npm run bench -- --only crop,front              # some benches (names below)
//   npm run bench -- --markdown bench-results.md    # also the table in Markdown, for the README's results
//   FDFS_TRACKER=127.0.0.2:22222 npm run bench      # the FastDFS benches also on a real FastDFS
//
// Each bench runs as a child process (`node bench/<script> [--quick] --json <temp file>`), never two at once:
// they measure rates and share the machine's cores. Its own output goes to the terminal as it runs; its
// summary (bench-kit.mjs writeSummary; the format is in bench/README.md) is read when it ends. Then one
// table: bench | what | ours | reference (name) | ratio (range) | goal | met?, where a ratio > 1 means ours is
// better (ours/reference for rates, reference/ours for CPU time and memory); then what was skipped (a
// reference system missing on this machine) and noted, the machine (CPU, cores, load average before and
// after, node, the references' versions, the commit), and the command that reproduces the run.
//
//   --quick            passed to every bench (see each one's header for what it shortens)
//   --only a,b         these benches only, in the usual order
//   --markdown FILE    writes the table, the notes, the machine and the command to FILE as Markdown
//   --json FILE        writes every bench's summary, the machine and the command to FILE
//   --no-build         skips `tsc -b` (the benches run the packages' dist/ as they are)
//   --list             prints the benches and exits
// Environment variables reach every bench: FDFS_TRACKER, BENCH_ROUNDS, BENCH_SECONDS, BENCH_BASELINE, ...
// (see each bench's header). Ctrl-C stops the bench running (it cleans up) and then the run.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { fail } from './bench-kit.mjs';
import { machineInfo, machineLines } from './machine-info.mjs';
import { markdownTable, outcomeLines, summaryProblem, textTable } from './results-table.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The benches, in the order they run; `name` is also the npm script's suffix (npm run bench:<name>). */
const BENCHES = [
  { name: 'fdfs-client', script: 'fdfs-client.bench.mjs', about: 'fastdfs-client-ts vs. the C FastDFS client' },
  { name: 'c-stall', script: 'c-client-stall.bench.mjs', about: 'the C client on the embedded vs. a real FastDFS' },
  { name: 'crop', script: 'crop.bench.mjs', about: 'cut_svr vs. ImageMagick convert and bare sharp' },
  { name: 'del-svr', script: 'del-svr.bench.mjs', about: 'del_svr group fsync vs. fsync off and fsync per request' },
  { name: 'session-check', script: 'session-check.bench.mjs', about: 'sess_check_svr, Redis vs. memory counts' },
  {
    name: 'session-check-proxy',
    script: 'session-check-proxy.bench.mjs',
    about: 'session checks through admin_proxy vs. straight',
  },
  { name: 'admin-proxy', script: 'admin-proxy.bench.mjs', about: 'admin_proxy vs. straight to an echo backend' },
  { name: 'front', script: 'front.bench.mjs', about: 'the front vs. varnish + nginx, nginx, the bare client' },
];
/** A bench still running after this is stopped and counted as crashed (SIGTERM, then SIGKILL). */
const TIME_LIMIT_MS = { full: 45 * 60_000, quick: 15 * 60_000 };
const KILL_AFTER_MS = 30_000;
/** Variables the benches read, repeated in the command that reproduces a run when they are set. */
const REPRODUCED_ENV = /^(BENCH_|FDFS_|PIC_TRACKER_SERVER$)/;

function parseArgs(argv) {
  const args = { quick: false, only: undefined, markdown: undefined, json: undefined, build: true, list: false };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) fail(`${argv[i - 1]} needs a value`);
      return v;
    };
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--only') args.only = value().split(',');
    else if (arg === '--markdown') args.markdown = value();
    else if (arg === '--json') args.json = value();
    else if (arg === '--no-build') args.build = false;
    else if (arg === '--list') args.list = true;
    else fail(`unknown argument ${arg} (--quick, --only a,b, --markdown FILE, --json FILE, --no-build, --list)`);
  }
  const unknown = (args.only ?? []).filter((name) => !BENCHES.some((b) => b.name === name));
  if (unknown.length > 0) fail(`--only: no bench ${unknown.join(', ')} (benches: ${BENCHES.map((b) => b.name)})`);
  return args;
}

/** `tsc -b` of the whole repository, once: every bench runs the packages' dist/. */
function build() {
  console.log('run-all: building (tsc -b)');
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    console.error(`run-all: tsc -b failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`);
    console.error('run-all: fix the build, or measure the dist/ there is with --no-build');
    process.exit(1);
  }
}

/** Set by SIGINT/SIGTERM: the bench running finishes its clean-up, and no other starts. */
let stopping = false;
let current;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    // Ctrl-C reaches the bench as well (same process group); a SIGTERM sent to this process alone is passed on.
    if (signal === 'SIGTERM') current?.kill('SIGTERM');
  });
}

/** Runs one bench; resolves with { name, seconds, summary?, crashed? }. */
async function runBench(bench, { quick, dir }) {
  const file = join(dir, `${bench.name}.json`);
  const args = [join('bench', bench.script), ...(quick ? ['--quick'] : []), '--json', file];
  console.log(`\n=== ${bench.name}: ${bench.about}\n=== node ${args.join(' ').replace(file, '<summary>')}`);
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  current = child;
  const limit = quick ? TIME_LIMIT_MS.quick : TIME_LIMIT_MS.full;
  let timedOut = false;
  const term = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
  }, limit);
  const kill = setTimeout(() => child.kill('SIGKILL'), limit + KILL_AFTER_MS);
  const { code, signal } = await new Promise((resolve) => {
    child.once('error', (e) => resolve({ code: -1, signal: e.message }));
    child.once('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  clearTimeout(term);
  clearTimeout(kill);
  current = undefined;
  const result = { name: bench.name, seconds: (performance.now() - started) / 1000 };
  if (timedOut) result.crashed = `still running after ${limit / 60_000} min, stopped`;
  else if (code !== 0) result.crashed = `exited with ${code ?? signal}`;
  else {
    try {
      result.summary = JSON.parse(readFileSync(file, 'utf8'));
      const problem = summaryProblem(result.summary);
      if (problem !== undefined) result.crashed = `its summary is wrong: ${problem}`;
    } catch (e) {
      result.crashed = `exited 0 without a summary (${e.code ?? e.message})`;
    }
  }
  return result;
}

/** The command that repeats this run: the variables the benches read, and this run's arguments. */
function reproduceCommand(args) {
  const env = Object.entries(process.env)
    .filter(([name]) => REPRODUCED_ENV.test(name))
    .map(([name, value]) => `${name}=${value} `)
    .join('');
  const flags = [...(args.quick ? ['--quick'] : []), ...(args.only ? ['--only', args.only.join(',')] : [])];
  return `npm ci && npm run build && ${env}npm run bench${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}`;
}

/** One line per bench: how long it took and the load average (1 min) around it. */
function runLines(runs) {
  return runs.map((r) => {
    const load = r.summary?.machine;
    const loadText = load ? `, load ${load.loadBefore[0].toFixed(2)} -> ${load.loadAfter[0].toFixed(2)}` : '';
    const outcome = r.crashed ? 'crashed' : r.summary.skipped ? 'skipped' : `${r.summary.rows.length} rows`;
    return `${r.name}: ${outcome}, ${r.seconds.toFixed(0)} s${loadText}`;
  });
}

/** The summaries of the benches that wrote one, for the table. */
const measuredOf = (runs) =>
  runs.filter((r) => r.summary !== undefined).map(({ name, summary }) => ({ name, summary }));

function markdown(runs, machine, command, quick) {
  const list = (lines) => lines.map((l) => `- ${l}`).join('\n');
  const outcomes = outcomeLines(runs);
  return [
    `Ratio > 1: ours is better (ours/reference for rates, reference/ours for CPU time and memory); ` +
      `the median of the paired rounds, their range in parentheses${quick ? ' (--quick: fewer, shorter rounds)' : ''}.`,
    '',
    markdownTable(measuredOf(runs)),
    ...(outcomes.length > 0 ? ['', list(outcomes)] : []),
    '',
    list([...machineLines(machine), ...runLines(runs)]),
    '',
    '```sh',
    command,
    '```',
    '',
  ].join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    for (const b of BENCHES) console.log(`${b.name.padEnd(20)} bench/${b.script.padEnd(30)} ${b.about}`);
    return;
  }
  const loadBefore = loadavg();
  if (args.build) build();
  const benches = BENCHES.filter((b) => args.only?.includes(b.name) ?? true);
  const dir = await mkdtemp(join(tmpdir(), 'pic-bench-'));
  const runs = [];
  const began = performance.now();
  try {
    for (const bench of benches) {
      if (stopping) break;
      runs.push(await runBench(bench, { quick: args.quick, dir }));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const machine = await machineInfo(ROOT, loadBefore);
  const command = reproduceCommand(args);
  console.log(`\n=== all benches${args.quick ? ' (--quick)' : ''}: ratio > 1 means ours is better`);
  console.log(textTable(measuredOf(runs)));
  const outcomes = outcomeLines(runs);
  if (outcomes.length > 0) console.log(`\n${outcomes.join('\n')}`);
  console.log(`\n${[...machineLines(machine), ...runLines(runs)].join('\n')}`);
  console.log(`total ${((performance.now() - began) / 60_000).toFixed(1)} min; reproduce with:\n  ${command}`);
  if (args.markdown !== undefined) {
    writeFileSync(args.markdown, markdown(runs, machine, command, args.quick));
    console.log(`run-all: the table is in ${args.markdown}`);
  }
  if (args.json !== undefined) {
    writeFileSync(args.json, `${JSON.stringify({ quick: args.quick, machine, command, runs }, null, 2)}\n`);
  }
  if (stopping) process.exitCode = 130;
  else if (runs.some((r) => r.crashed !== undefined)) process.exitCode = 1;
}

await main();
