// What the benchmark scripts share: argument reading, medians, free ports, stopping a child, the quick mode,
// and the machine-readable summary that bench/run-all.mjs collects (bench/README.md, "The summary file").
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeArgsOf } from '../apps/stack/dist/service-table.js';

/** The value after `--name` on the command line, or undefined. */
export function option(name) {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** A usage error: one line on stderr, exit 2. */
export function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A port of 127.0.0.1 free just now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** SIGTERM to a child process; resolves once it has exited (at once if it already has). */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

// ---- the quick mode ---------------------------------------------------------------------------------------

/**
 * `--quick`: fewer rounds and shorter runs, to see that a bench works and roughly where it stands (a minute or
 * two each); the numbers to publish come from a full run. A setting given explicitly (BENCH_ROUNDS, --rounds,
 * ...) still wins over both defaults.
 */
export const QUICK = process.argv.includes('--quick');

/** The default of a setting: `full` normally, `quick` under --quick. */
export const byMode = (full, quick) => (QUICK ? quick : full);

// ---- the summary file -------------------------------------------------------------------------------------

/** Where `--json <file>` (or `--json=<file>`) asks for the summary, resolved now; undefined without it. */
const SUMMARY_FILE = (() => {
  const args = process.argv.slice(2);
  const at = args.findIndex((a) => a === '--json' || a.startsWith('--json='));
  if (at === -1) return undefined;
  const file = args[at].startsWith('--json=') ? args[at].slice('--json='.length) : args[at + 1];
  if (file === undefined || file === '' || file.startsWith('--')) fail('--json needs a file name');
  return resolve(file);
})();
const LOAD_BEFORE = loadavg();

/**
 * One row of a summary: `ours` against `reference` (`referenceName` says what that is), both in `unit`, and
 * the ratio the bench printed (the median of its paired rounds, `range` their min and max), oriented so that
 * > 1 means ours is better: ours/reference when higher is better, reference/ours when lower is (latency, CPU
 * time, memory). `goal`, when the project set one, is the least ratio that meets it.
 */
export function summaryRow({ what, ours, reference, referenceName, unit, ratio, range, goal, higherIsBetter = true }) {
  for (const [name, value] of Object.entries({ ours, reference, ratio })) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`summary row ${what}: ${name} ${value}`);
  }
  const row = { what, ours, reference, referenceName, unit, ratio, higherIsBetter };
  if (range !== undefined) row.range = range;
  if (goal !== undefined) row.goal = goal;
  return row;
}

/** The ratio of two medians oriented as in summaryRow, for a bench that has no paired rounds to take it from. */
export const orientedRatio = (ours, reference, higherIsBetter = true) =>
  higherIsBetter ? ours / reference : reference / ours;

/** [min, max] of paired ratios. */
export const rangeOf = (ratios) => [Math.min(...ratios), Math.max(...ratios)];

/**
 * Writes the bench's summary to the --json file, if one was asked for:
 * `{ bench, rows, machine, skipped?, notes? }`. `skipped` says why nothing was compared (a reference system
 * is missing); `notes` say what part was left out or looked wrong. Without --json it does nothing.
 */
export function writeSummary(bench, { rows = [], skipped, notes = [] } = {}) {
  if (SUMMARY_FILE === undefined) return;
  const summary = {
    bench,
    rows,
    machine: {
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      loadBefore: LOAD_BEFORE,
      loadAfter: loadavg(),
      node: process.version,
    },
  };
  if (skipped !== undefined) summary.skipped = skipped;
  if (notes.length > 0) summary.notes = notes;
  mkdirSync(dirname(SUMMARY_FILE), { recursive: true });
  writeFileSync(SUMMARY_FILE, `${JSON.stringify(summary, null, 2)}\n`);
}

const APPS = fileURLToPath(new URL('../apps/', import.meta.url));

/**
 * The node arguments that start `app` (apps/<app>/dist/main.js) as `npm start` does: the node
 * options the stack gives that app (apps/stack/src/service-table.ts), then its main script.
 */
export function appArgs(app) {
  return [...nodeArgsOf(app), join(APPS, app, 'dist', 'main.js')];
}
