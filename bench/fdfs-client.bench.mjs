#!/usr/bin/env node
// Upload and download ops/s of fastdfs-client-ts against the embedded FastDFS (run in its own
// process, as in production) and, when FDFS_TRACKER is set, against a real FastDFS side by side.
// Prints one line per run and the ratio embedded / real. A benchmark, not a test: nothing asserts.
//
//   npm run bench                                   # embedded only
//   FDFS_TRACKER=127.0.0.2:22222 npm run bench      # plus a real FastDFS
//   BENCH_OPS=5000 BENCH_CONCURRENCY=32 BENCH_SIZE=65536 npm run bench
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FdfsClient } from '../libs/fastdfs-client-ts/dist/index.js';

const OPS = Number(process.env.BENCH_OPS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SIZES = (process.env.BENCH_SIZE ?? '4096,262144').split(',').map(Number);

async function startEmbedded() {
  const dir = await mkdtemp(join(tmpdir(), 'fdfs-bench-'));
  const script = `
    import { EmbeddedFdfs } from '${new URL('../libs/fdfs-embedded/dist/index.js', import.meta.url).href}';
    const s = new EmbeddedFdfs({ basePath: process.argv[1], trackerPort: 0, storagePort: 0, logger: false });
    await s.start();
    console.log(JSON.stringify(s.trackerAddress));
    process.on('SIGTERM', async () => { await s.stop(); process.exit(0); });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
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

async function runPool(count, fn) {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function measure(tracker, size) {
  const client = new FdfsClient({ trackers: [tracker], pool: { maxSize: CONCURRENCY } });
  const body = randomBytes(size);
  const ids = new Array(OPS);
  try {
    await runPool(Math.min(100, OPS), async () => client.delete(await client.upload(body, { ext: 'bin' }))); // warm up
    const upload = await runPool(OPS, async (i) => {
      ids[i] = await client.upload(body, { ext: 'bin' });
    });
    const download = await runPool(OPS, async (i) => {
      const got = await client.download(ids[i]);
      if (got.length !== size) throw new Error(`downloaded ${got.length} bytes, expected ${size}`);
    });
    await runPool(OPS, async (i) => client.delete(ids[i]));
    return { upload, download };
  } finally {
    await client.close();
  }
}

const fmt = (n) => n.toFixed(0).padStart(7);
const embedded = await startEmbedded();
try {
  console.log(`fastdfs-client-ts: ${OPS} ops per run, concurrency ${CONCURRENCY}`);
  for (const size of SIZES) {
    const e = await measure(embedded.tracker, size);
    let line = `size ${String(size).padStart(7)} B  embedded: upload ${fmt(e.upload)} ops/s, download ${fmt(e.download)} ops/s`;
    if (process.env.FDFS_TRACKER) {
      const r = await measure(process.env.FDFS_TRACKER, size);
      line += `  |  real FastDFS: upload ${fmt(r.upload)}, download ${fmt(r.download)}` +
        `  |  ratio embedded/real: upload ${(e.upload / r.upload).toFixed(2)}, download ${(e.download / r.download).toFixed(2)}`;
    }
    console.log(line);
  }
} finally {
  await embedded.stop();
}
