#!/usr/bin/env node
// Upload and download ops/s of fastdfs-client-ts, to see whether a change slowed the client down.
// A benchmark, not a test: nothing asserts, it prints medians and ratios.
//
//   npm run build && npm run bench                        # current client, embedded FastDFS
//   npm run build && npm run bench -- --baseline HEAD~3   # current vs. the client at a git ref
//   BENCH_BASELINE=HEAD~3 npm run bench                   # same
//   FDFS_TRACKER=127.0.0.2:22222 npm run bench            # embedded vs. a real FastDFS (current client)
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
// ratios A/B (round i of A over round i of B) with their range, a rough noise level. Before the
// first cell each system runs one untimed upload and download run to warm up the JIT.
// Upload runs delete their files after the run; download runs cycle over files uploaded before the
// cell and deleted after it (neither is timed). Defaults take about 2 minutes on 2 cores.
//
//   BENCH_SIZE=4096,81920        bytes per file
//   BENCH_CONCURRENCY=1,16       operations in flight (client pool size)
//   BENCH_ROUNDS=5               runs per system per cell
//   BENCH_SECONDS=1              duration of one run (warm-up: a third of it)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const numbers = (value, fallback) => (value || fallback).split(',').map(Number);
const SIZES = numbers(process.env.BENCH_SIZE, '4096,81920');
const CONCURRENCIES = numbers(process.env.BENCH_CONCURRENCY, '1,16');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const SECONDS = Number(process.env.BENCH_SECONDS || 1);
const DOWNLOAD_FILES = 64;
const OPERATIONS = ['upload', 'download'];

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

function baselineArg() {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === '--baseline' || a.startsWith('--baseline='));
  if (i < 0) return process.env.BENCH_BASELINE || undefined;
  const ref = args[i].includes('=') ? args[i].slice('--baseline='.length) : args[i + 1];
  if (!ref) fail('--baseline needs a git ref');
  return ref;
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
  const script = `
    import { EmbeddedFdfs } from '${dist.href}';
    const s = new EmbeddedFdfs({ basePath: process.argv[1], trackerPort: 0, storagePort: 0, logger: false });
    await s.start();
    console.log(JSON.stringify(s.trackerAddress));
    process.on('SIGTERM', async () => { await s.stop(); process.exit(0); });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
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
async function pool(concurrency, fn, { seconds = Infinity, count = Infinity }) {
  let started = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const worker = async () => {
    while (started < count && performance.now() < deadline) await fn(started++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return started / ((performance.now() - start) / 1000);
}

/** One system in one cell: a client, warmed up; `run()` returns ops/s of one timed run. */
async function openSession({ tracker, Client }, op, size, concurrency) {
  const client = new Client({ trackers: [tracker], pool: { maxSize: concurrency } });
  const body = randomBytes(size);
  const files = [];
  const deleteFiles = async () => {
    await pool(concurrency, (i) => client.delete(files[i]), { count: files.length });
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
        concurrency,
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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sizeLabel = (n) => (n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);

/** The cell loop: systems run alternately, one row per cell; a ratio when there are two systems. */
async function compare(title, systems) {
  console.log(`\n${title}`);
  const width = Math.max(...systems.map((s) => s.name.length));
  // Warm up the JIT of the server and of each client before the first cell, which would be skewed.
  for (const system of systems) {
    for (const op of OPERATIONS) {
      const session = await openSession(system, op, SIZES[0], Math.max(...CONCURRENCIES));
      await session.run();
      await session.close();
    }
  }
  for (const op of OPERATIONS) {
    for (const size of SIZES) {
      for (const concurrency of CONCURRENCIES) {
        const sessions = [];
        const rates = systems.map(() => []);
        try {
          for (const system of systems) sessions.push(await openSession(system, op, size, concurrency));
          for (let round = 0; round < ROUNDS; round++) {
            // A B, then B A: neither system always runs first (the server warms up as a cell goes on).
            const order = round % 2 === 0 ? [...sessions.keys()] : [...sessions.keys()].reverse();
            for (const k of order) rates[k].push(await sessions[k].run());
          }
        } finally {
          for (const session of sessions) await session.close();
        }
        let row = `${op.padEnd(8)} ${sizeLabel(size).padStart(8)} ${`c=${concurrency}`.padEnd(5)}`;
        for (const [k, system] of systems.entries()) {
          row += `  ${system.name.padStart(width)} ${median(rates[k]).toFixed(0).padStart(6)} ops/s`;
        }
        if (systems.length === 2) {
          const ratios = rates[0].map((a, i) => a / rates[1][i]);
          const [lo, hi] = [Math.min(...ratios), Math.max(...ratios)];
          row += `  ratio ${median(ratios).toFixed(2)}  (${lo.toFixed(2)}..${hi.toFixed(2)})`;
        }
        console.log(row);
      }
    }
  }
}

const baselineRef = baselineArg();
const baseline = baselineRef ? buildBaseline(baselineRef) : undefined;
const Current = await importClient(join(ROOT, 'libs', 'fastdfs-client-ts', 'dist', 'index.js'));
const Baseline = baseline ? await importClient(baseline.distIndex) : undefined;
const embedded = await startEmbedded();
try {
  console.log(
    `fastdfs-client-ts benchmark: ${ROUNDS} rounds of ${SECONDS} s per system and cell, ` +
      `sizes ${SIZES.join(',')} B, concurrency ${CONCURRENCIES.join(',')}; ` +
      `node ${process.version}, ${availableParallelism()} CPUs`,
  );
  const current = { name: 'current', tracker: embedded.tracker, Client: Current };
  if (Baseline) {
    await compare(
      `current client vs. baseline ${baselineRef} (${baseline.sha.slice(0, 12)}), embedded FastDFS; ` +
        'ratio = current/baseline',
      [current, { name: 'baseline', tracker: embedded.tracker, Client: Baseline }],
    );
  }
  if (process.env.FDFS_TRACKER) {
    await compare(`embedded vs. real FastDFS at ${process.env.FDFS_TRACKER}, current client; ratio = embedded/real`, [
      { ...current, name: 'embedded' },
      { name: 'real', tracker: process.env.FDFS_TRACKER, Client: Current },
    ]);
  }
  if (!Baseline && !process.env.FDFS_TRACKER) await compare('current client, embedded FastDFS', [current]);
} finally {
  await embedded.stop();
}
