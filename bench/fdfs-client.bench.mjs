#!/usr/bin/env node
// Upload and download ops/s of fastdfs-client-ts against FastDFS's own C client, and of the embedded
// FastDFS against a real one. A benchmark, not a test: it prints medians and ratios, never fails on them.
//
//   npm run build && npm run bench                         # client vs. C client (embedded FastDFS)
//   FDFS_TRACKER=127.0.0.2:22222 npm run bench             # the same on a real FastDFS, and embedded vs. real
//   npm run bench -- --only client-vs-c                    # some tables only (comma-separated names)
//   npm run build && npm run bench -- --baseline HEAD~3    # adds current vs. the client at a git ref
//   BENCH_BASELINE=HEAD~3 npm run bench                    # same
//
// Tables (each runs when its inputs exist, or as --only names them):
//   client-vs-c       fastdfs-client-ts vs. FastDFS's C client library (bench/c/fdfs-bench.c, built
//                     at run time into bench/dist/ with cc when /usr/include/fastdfs exists), both on
//                     the real FastDFS when FDFS_TRACKER is set, else on the embedded one; target 0.8
//   embedded-vs-real  the embedded FastDFS vs. the real one at FDFS_TRACKER, same client (fastdfs-client-ts);
//                     target 0.8
//   baseline          the current client vs. the client at --baseline <ref>, embedded FastDFS
// With none of them available it prints the current client's rates on the embedded FastDFS.
//
// The current client is libs/fastdfs-client-ts/dist (run `npm run build` first). A baseline ref is
// extracted with `git archive <ref> libs tsconfig.base.json` into bench/dist/baseline/<sha>/ (inside
// the repo so the root node_modules resolve; under a dist/ so that git, ESLint and vitest ignore it),
// its workspace packages are linked into <that dir>/node_modules, and it is built with the root
// TypeScript (`tsc -b <dir>/libs/fastdfs-client-ts`); the build is cached by sha.
//
// The embedded FastDFS runs in its own process, as in production (libs/fdfs-embedded/dist).
// Cells: operation (upload, download) x size x concurrency. In each cell the two systems compared
// run alternately, A B B A A B ..., after a warm-up; each run lasts BENCH_SECONDS and counts completed
// operations. Per cell it prints the median ops/s of each system and the median of the paired
// ratios A/B (round i of A over round i of B) with their range, the noise level, and whether the
// median ratio meets the table's target. Before the first cell each system opens an upload and a
// download session at the highest concurrency, which warms up the JITs (client and embedded server):
// a JS session runs a third of BENCH_SECONDS of untimed operations when it opens.
// Upload runs delete their files after the run; download runs cycle over files uploaded before the
// cell and deleted after it (neither is timed). The C driver runs one process per run, times itself
// after one untimed operation per thread, and reads the same kind of download set. Defaults take
// about 3 minutes per table on 2 cores. Ctrl-C (SIGINT or SIGTERM) ends the current run early and
// deletes the cell's files before exiting 130; a second one exits at once.
//
//   BENCH_SIZE=4096,81920        bytes per file
//   BENCH_CONCURRENCY=1,16       operations in flight (client pool size; C driver threads)
//   BENCH_OPS=upload,download    operations measured (and warmed up)
//   BENCH_ROUNDS=5               runs per system per cell
//   BENCH_SECONDS=2              duration of one run (JS warm-up: a third of it)
//   --quick                      3 rounds of 1 s unless BENCH_ROUNDS / BENCH_SECONDS say otherwise
//   --json <file>                also writes the tables' ratios there (bench/README.md, "The summary file")
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildCDriver, openCSession } from './c-driver.mjs';
import { byMode, median, rangeOf, summaryRow, writeSummary } from './bench-kit.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const numbers = (value, fallback) => (value || fallback).split(',').map(Number);
const SIZES = numbers(process.env.BENCH_SIZE, '4096,81920');
const CONCURRENCIES = numbers(process.env.BENCH_CONCURRENCY, '1,16');
const ROUNDS = Number(process.env.BENCH_ROUNDS || byMode(5, 3));
const SECONDS = Number(process.env.BENCH_SECONDS || byMode(2, 1));
const DOWNLOAD_FILES = 64;
// Untimed uploads and deletes around the timed runs go this wide whatever the cell's concurrency,
// to keep the untimed part of a cell short. Only `concurrency` operations are in flight in a timed
// run, so a bigger pool does not change what is measured.
const SETUP_CONCURRENCY = 16;
const OPERATIONS = (process.env.BENCH_OPS || 'upload,download').split(',');
const TARGET = 0.8;
const TABLES = ['client-vs-c', 'embedded-vs-real', 'baseline'];

/**
 * Set by the first SIGINT or SIGTERM: the current run ends early, the cell's sessions close (which
 * deletes their files on the server) and the bench exits 130; a second signal exits at once.
 */
let interrupted = false;
class Interrupted extends Error {}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\nbench: ${signal}: deleting this cell's files, then stopping (${signal} again to quit at once)`);
    process.once(signal, () => process.exit(130));
  });
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/** The value of `--name value` or `--name=value`, or undefined. */
function option(name) {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const value = args[i].includes('=') ? args[i].slice(`--${name}=`.length) : args[i + 1];
  if (!value || value.startsWith('--')) fail(`--${name} needs a value`);
  return value;
}

/** The tables --only names (checked), or undefined for "every table whose inputs exist". */
function onlyArg() {
  const only = option('only');
  if (only === undefined) return undefined;
  const names = only.split(',');
  const unknown = names.filter((n) => !TABLES.includes(n));
  if (unknown.length > 0) fail(`--only: unknown table ${unknown.join(', ')} (tables: ${TABLES.join(', ')})`);
  return names;
}

for (const op of OPERATIONS) {
  if (op !== 'upload' && op !== 'download') fail(`BENCH_OPS: unknown operation ${op} (upload, download)`);
}
for (const [name, value] of [
  ['BENCH_ROUNDS', ROUNDS],
  ['BENCH_SECONDS', SECONDS],
  ...SIZES.map((v) => ['BENCH_SIZE', v]),
  ...CONCURRENCIES.map((v) => ['BENCH_CONCURRENCY', v]),
]) {
  if (!(value > 0) || (name !== 'BENCH_SECONDS' && !Number.isInteger(value))) fail(`${name}: bad value ${value}`);
}

async function importClient(distIndex) {
  if (!existsSync(distIndex)) fail(`${relative(ROOT, distIndex)} is missing: run \`npm run build\` first`);
  try {
    return (await import(pathToFileURL(distIndex).href)).FdfsClient;
  } catch (e) {
    return fail(`cannot load ${relative(ROOT, distIndex)} (does \`npm run build\` pass?): ${e.message}`);
  }
}

/** Extracts and builds the client as it was at `ref` (cached by sha); returns its dist/index.js. */
function buildBaseline(ref) {
  let sha;
  try {
    sha = execFileSync('git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    fail(`git ref '${ref}' does not exist (or is not a commit)`);
  }
  const dir = join(ROOT, 'bench', 'dist', 'baseline', sha.slice(0, 12));
  const client = join(dir, 'libs', 'fastdfs-client-ts');
  if (!existsSync(join(dir, '.built'))) {
    console.log(`building the baseline client of ${ref} (${sha.slice(0, 12)}) in ${relative(ROOT, dir)}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', sha, 'libs', 'tsconfig.base.json'], { cwd: ROOT, maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    // Bare imports of workspace packages must find the baseline's copies, not the root node_modules
    // links to the current ones.
    for (const folder of readdirSync(join(dir, 'libs'))) {
      const pkg = join(dir, 'libs', folder, 'package.json');
      if (!existsSync(pkg)) continue;
      const link = join(dir, 'node_modules', JSON.parse(readFileSync(pkg, 'utf8')).name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(relative(dirname(link), join(dir, 'libs', folder)), link, 'dir');
    }
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', client], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      fail(`building the baseline client of ${ref} failed:\n${e.stdout}${e.stderr}`);
    }
    writeFileSync(join(dir, '.built'), `${ref} ${sha}\n`);
  }
  return { sha, distIndex: join(client, 'dist', 'index.js') };
}

async function startEmbedded() {
  const dist = new URL('../libs/fdfs-embedded/dist/index.js', import.meta.url);
  if (!existsSync(dist)) fail('libs/fdfs-embedded/dist/index.js is missing: run `npm run build` first');
  const dir = await mkdtemp(join(tmpdir(), 'fdfs-bench-'));
  // Ctrl-C reaches the whole process group: the server ignores SIGINT so that the bench can delete
  // its files first, then stops it with SIGTERM; if the bench dies instead, its stdin closes.
  const script = `
    import { rm } from 'node:fs/promises';
    import { EmbeddedFdfs } from '${dist.href}';
    const s = new EmbeddedFdfs({ basePath: process.argv[1], trackerPort: 0, storagePort: 0, logger: false });
    await s.start();
    console.log(JSON.stringify(s.trackerAddress));
    const quit = async () => {
      await s.stop();
      await rm(process.argv[1], { recursive: true, force: true });
      process.exit(0);
    };
    process.on('SIGTERM', quit);
    process.on('SIGINT', () => {});
    process.stdin.on('end', quit).resume();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const address = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d))));
    child.once('exit', (code) => reject(new Error(`embedded server exited with ${code}`)));
  });
  return {
    tracker: `${address.host}:${address.port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `fn(i)` with `concurrency` in flight, starting new calls for `seconds` (or `count` calls). */
async function pool(concurrency, fn, { seconds = Infinity, count = Infinity, cleanup = false }) {
  let started = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  // After SIGINT/SIGTERM only clean-ups (deletes) go on.
  const worker = async () => {
    while ((cleanup || !interrupted) && started < count && performance.now() < deadline) await fn(started++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return started / ((performance.now() - start) / 1000);
}

/** One system in one cell: a client, warmed up; `run()` returns ops/s of one timed run. */
async function openSession({ tracker, Client }, op, size, concurrency) {
  const client = new Client({ trackers: [tracker], pool: { maxSize: Math.max(concurrency, SETUP_CONCURRENCY) } });
  const body = randomBytes(size);
  const files = [];
  const deleteFiles = async () => {
    await pool(SETUP_CONCURRENCY, (i) => client.delete(files[i]), { count: files.length, cleanup: true });
    files.length = 0;
  };
  const timed = async (seconds) => {
    if (op === 'upload') {
      const rate = await pool(
        concurrency,
        async () => {
          files.push(await client.upload(body, { ext: 'bin' }));
        },
        { seconds },
      );
      await deleteFiles();
      return rate;
    }
    return pool(
      concurrency,
      async (i) => {
        const got = await client.download(files[i % files.length]);
        if (got.length !== size) throw new Error(`downloaded ${got.length} bytes, expected ${size}`);
      },
      { seconds },
    );
  };
  try {
    if (op === 'download') {
      await pool(
        SETUP_CONCURRENCY,
        async () => {
          files.push(await client.upload(body, { ext: 'bin' }));
        },
        { count: DOWNLOAD_FILES },
      );
    }
    await timed(SECONDS / 3);
  } catch (e) {
    await client.close();
    throw e;
  }
  return {
    run: () => timed(SECONDS),
    close: async () => {
      try {
        await deleteFiles();
      } finally {
        await client.close();
      }
    },
  };
}

/** ' <version>' of the storages of the FastDFS at `tracker` (what its tracker reports), or '' if it says none. */
async function serverVersion(tracker, Client) {
  const client = new Client({ trackers: [tracker] });
  try {
    const groups = await client.listGroups();
    const storages = await client.listStorages(groups[0].group);
    const versions = [...new Set(storages.map((s) => s.version).filter(Boolean))];
    return versions.length === 0 ? '' : ` ${versions.join('/')}`;
  } catch {
    return '';
  } finally {
    await client.close();
  }
}

/** ' <version>' of the installed FastDFS C tools (fdfs_test prints it), or ''. */
function cVersion() {
  try {
    execFileSync('fdfs_test', [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 });
  } catch (e) {
    const m = /test program (v\S+)/.exec(String(e.stdout));
    if (m !== null) return ` ${m[1]}`;
  }
  return '';
}

const sizeLabel = (n) => (n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);

/** A system: a name and how to open a session of it in one cell. */
const jsSystem = (name, tracker, Client) => ({
  name,
  open: (op, size, concurrency) => openSession({ tracker, Client }, op, size, concurrency),
});
const cSystem = (name, tracker, driver, Client) => ({
  name,
  open: (op, size, concurrency) =>
    openCSession({ driver, tracker, Client }, op, size, concurrency, {
      seconds: SECONDS,
      files: DOWNLOAD_FILES,
      setupConcurrency: SETUP_CONCURRENCY,
      pool,
    }),
});

/** The rows of the --json summary, one per cell of each two-system table. */
const summaryRows = [];

/**
 * The cell loop: systems run alternately, one row per cell; with two systems a ratio A/B, its
 * range over the rounds, and pass/short against `target` when there is one. In the --json summary,
 * `where` says what the cells ran on and `referenceName` what the second system is.
 */
async function compare(title, systems, target, { where = '', referenceName = systems[1]?.name } = {}) {
  const began = performance.now();
  console.log(`\n${title}`);
  const columns = systems.map((s) => Math.max(s.name.length, 12));
  let head = 'cell'.padEnd(22);
  for (const [k, system] of systems.entries()) head += `  ${system.name.padStart(columns[k])}`;
  if (systems.length === 2)
    head += `  ${'ratio [range]'.padEnd(20)}  noise` + (target ? `  >= ${target.toFixed(2)}` : '');
  console.log(head);
  // Warm up the JIT of the server and of each client before the first cell, which would be skewed:
  // opening a JS session runs a third of BENCH_SECONDS of untimed operations.
  for (const system of systems) {
    for (const op of OPERATIONS) await (await system.open(op, SIZES[0], Math.max(...CONCURRENCIES))).close();
    if (interrupted) throw new Interrupted();
  }
  const spreads = [];
  const verdicts = [];
  for (const op of OPERATIONS) {
    for (const size of SIZES) {
      for (const concurrency of CONCURRENCIES) {
        const sessions = [];
        const rates = systems.map(() => []);
        try {
          for (const system of systems) sessions.push(await system.open(op, size, concurrency));
          for (let round = 0; round < ROUNDS; round++) {
            // A B, then B A: neither system always runs first (the server warms up as a cell goes on).
            const order = round % 2 === 0 ? [...sessions.keys()] : [...sessions.keys()].reverse();
            for (const k of order) {
              if (interrupted) throw new Interrupted();
              // A C driver that got the Ctrl-C too exits 130 after deleting its files.
              rates[k].push(await sessions[k].run().catch((e) => Promise.reject(interrupted ? new Interrupted() : e)));
            }
          }
          if (interrupted) throw new Interrupted();
        } finally {
          for (const session of sessions) await session.close();
        }
        let row = `${op.padEnd(8)} ${sizeLabel(size).padStart(7)} ${`c=${concurrency}`.padEnd(5)}`;
        for (const [k] of systems.entries()) {
          row += `  ${`${median(rates[k]).toFixed(0)} ops/s`.padStart(columns[k])}`;
        }
        if (systems.length === 2) {
          const ratios = rates[0].map((a, i) => a / rates[1][i]);
          const [mid, lo, hi] = [median(ratios), Math.min(...ratios), Math.max(...ratios)];
          // Noise: half the range of the paired ratios, relative to their median.
          const spread = (hi - lo) / 2 / mid;
          spreads.push(spread);
          row += `  ${`${mid.toFixed(2)} [${lo.toFixed(2)}..${hi.toFixed(2)}]`.padEnd(20)}`;
          summaryRows.push(
            summaryRow({
              what: `${op} ${sizeLabel(size)} c=${concurrency}${where}`,
              ours: median(rates[0]),
              reference: median(rates[1]),
              referenceName,
              unit: 'ops/s',
              ratio: mid,
              range: rangeOf(ratios),
              goal: target,
            }),
          );
          row += `  ${`±${(spread * 100).toFixed(0)}%`.padStart(5)}`;
          if (target) {
            // Judged as printed (two decimals), so that a row never reads "0.80 ... short".
            const pass = Number(mid.toFixed(2)) >= target;
            verdicts.push(pass);
            row += `  ${pass ? 'pass' : 'short'}`;
          }
        }
        console.log(row);
      }
    }
  }
  if (spreads.length > 0) {
    const percent = (x) => `±${(x * 100).toFixed(0)}%`;
    let summary = `noise: median ${percent(median(spreads))}, largest ${percent(Math.max(...spreads))}`;
    if (target) summary += `; ${verdicts.filter(Boolean).length} of ${verdicts.length} cells at >= ${target}`;
    console.log(`${summary}; ${((performance.now() - began) / 1000).toFixed(0)} s`);
  }
}

const only = onlyArg();
const baselineRef = option('baseline') ?? (process.env.BENCH_BASELINE || undefined);
const realTracker = process.env.FDFS_TRACKER || undefined;
const wants = (table) => (only ? only.includes(table) : true);
if (only?.includes('baseline') && !baselineRef) fail('--only baseline needs --baseline <git ref>');
if (only?.includes('embedded-vs-real') && !realTracker) fail('--only embedded-vs-real needs FDFS_TRACKER=host:port');
const cDriver = wants('client-vs-c') ? buildCDriver(ROOT) : undefined;
if (only?.includes('client-vs-c') && cDriver.skip) fail(cDriver.skip);

const baseline = baselineRef && wants('baseline') ? buildBaseline(baselineRef) : undefined;
const Current = await importClient(join(ROOT, 'libs', 'fastdfs-client-ts', 'dist', 'index.js'));
const Baseline = baseline ? await importClient(baseline.distIndex) : undefined;
const runsC = cDriver !== undefined && !cDriver.skip;
const runsReal = realTracker !== undefined && wants('embedded-vs-real');
// The embedded FastDFS is needed unless every table runs on the real one.
const embedded = Baseline || runsReal || !realTracker || !runsC ? await startEmbedded() : undefined;
const realVersion = runsReal ? await serverVersion(realTracker, Current) : '';
/** What the --json summary says was left out. */
const notes = [];
try {
  console.log(
    `fastdfs-client-ts benchmark: ${ROUNDS} rounds of ${SECONDS} s per system and cell, ` +
      `sizes ${SIZES.join(',')} B, concurrency ${CONCURRENCIES.join(',')}; ` +
      `node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()[0].toFixed(2)} before it`,
  );
  let tables = 0;
  if (Baseline) {
    tables++;
    await compare(
      `current client vs. baseline ${baselineRef} (${baseline.sha.slice(0, 12)}), embedded FastDFS; ` +
        'ratio = current/baseline',
      [jsSystem('current', embedded.tracker, Current), jsSystem('baseline', embedded.tracker, Baseline)],
      undefined,
      {
        where: ', embedded FastDFS',
        referenceName: `fastdfs-client-ts at ${baselineRef} (${baseline.sha.slice(0, 12)})`,
      },
    );
  }
  if (cDriver?.skip) {
    console.log(`\nclient vs. C client: skipped, ${cDriver.skip}`);
    notes.push(`client vs. C client skipped: ${cDriver.skip}`);
  } else if (runsC) {
    tables++;
    const tracker = realTracker ?? embedded?.tracker;
    const server = realTracker
      ? `real FastDFS at ${realTracker}`
      : 'embedded FastDFS (set FDFS_TRACKER for a real one)';
    await compare(
      `client vs. C client, both on the ${server}; ratio = fastdfs-client-ts / C client (libfdfsclient)`,
      [jsSystem('fastdfs-client-ts', tracker, Current), cSystem('C client', tracker, cDriver.path, Current)],
      TARGET,
      {
        where: realTracker ? `, real FastDFS${realVersion}` : ', embedded FastDFS',
        referenceName: `FastDFS C client, libfdfsclient${cVersion()}`,
      },
    );
  }
  if (runsReal) {
    tables++;
    await compare(
      `embedded vs. real FastDFS at ${realTracker}, both with fastdfs-client-ts; ratio = embedded/real`,
      [jsSystem('embedded', embedded.tracker, Current), jsSystem('real', realTracker, Current)],
      TARGET,
      { where: ', embedded FastDFS, fastdfs-client-ts', referenceName: `real FastDFS${realVersion}, same client` },
    );
  }
  if (tables === 0) await compare('current client, embedded FastDFS', [jsSystem('current', embedded.tracker, Current)]);
  if (!runsReal) notes.push('embedded vs. real FastDFS skipped: no FDFS_TRACKER');
  writeSummary('fdfs-client', {
    rows: summaryRows,
    skipped: summaryRows.length === 0 ? (cDriver?.skip ?? 'no reference to compare with') : undefined,
    notes,
  });
} catch (e) {
  if (!(e instanceof Interrupted)) throw e;
  process.exitCode = 130;
} finally {
  await embedded?.stop();
}
