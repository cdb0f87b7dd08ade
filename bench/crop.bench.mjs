#!/usr/bin/env node
// Crops per second of cut_svr (cmd 3005) against ImageMagick `convert` and against bare sharp. A
// benchmark, not a test: it prints medians and ratios, never fails on them.
//
//   npx tsc -b && node bench/crop.bench.mjs
//   node bench/crop.bench.mjs --via 127.0.0.1:6998     # (c) through admin_proxy of a running stack,
//                                                       # sources in PIC_TRACKER_SERVER (default 127.0.0.1:22122)
//
// Every crop: the same 1600 x 1200 JPEG (generated, deterministic), scaled to 800 x 600 and cut
// 240 x 180 at a box that moves from crop to crop, JPEG quality 90 out.
//   (a) convert    ImageMagick, one process per crop, as a CGI would run it:
//                  convert src.jpg -resize 800x600! -crop 240x180+X+Y +repage -quality 90 out.jpg
//                  (skipped when `convert` is not ImageMagick)
//   (b) sharp      the same crop with sharp in this process, on a buffer: no network, no storage
//   (c) cut_svr    a FrameClient sending cmd 3005, pipelined on one connection, to cut_svr (apps/cut-svr/dist,
//                  its own process, conf defaults) over an embedded FastDFS (apps/fdfs-embedded/dist, its
//                  own process): each crop downloads the source, crops and uploads the result
// Each cell (a concurrency) runs the systems alternately, a b c, c b a, ..., each run lasting
// BENCH_SECONDS with `concurrency` crops in flight (a new one starts as one ends), after one untimed
// warm-up run each. Per cell: median crops/s of each, and the medians of the paired ratios (c)/(b)
// (target >= 0.7) and (c)/(a) (target >= 6), with their range.
//
//   BENCH_CONCURRENCY=1,4    crops in flight
//   BENCH_ROUNDS=5           runs per system per cell
//   BENCH_SECONDS=2          duration of one run
//   --quick                  3 rounds of 1 s unless BENCH_ROUNDS / BENCH_SECONDS say otherwise
//   --json <file>            also writes the ratios there (bench/README.md, "The summary file")
import { Buffer } from 'node:buffer';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import { FdfsClient } from 'fastdfs-client-ts';
import { Cmd, decodeCropResponse, encodeCropRequest, resultName } from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { appArgs, byMode, median, option, rangeOf, summaryRow, writeSummary } from './bench-kit.mjs';

const CONCURRENCIES = (process.env.BENCH_CONCURRENCY || '1,4').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS || byMode(5, 3));
const SECONDS = Number(process.env.BENCH_SECONDS || byMode(2, 1));
const SOURCE = { width: 1600, height: 1200 };
const CLIP = { width: 800, height: 600 };
const THUMB = { width: 240, height: 180 };
const QUALITY = 90;
const TARGET_VS_SHARP = 0.7;
const TARGET_VS_CONVERT = 6;

/** A deterministic photo-like picture: smooth gradients, shapes and some grain (so JPEG has work to do). */
async function sourceJpeg() {
  const { width, height } = SOURCE;
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const grain = (seed >>> 27) - 16;
      const ring = Math.sin(Math.hypot(x - 800, y - 600) / 40) * 60;
      const at = (y * width + x) * 3;
      pixels[at] = clamp((x * 255) / width + ring + grain);
      pixels[at + 1] = clamp((y * 255) / height - ring + grain);
      pixels[at + 2] = clamp(128 + Math.sin(x / 90) * Math.cos(y / 70) * 100 + grain);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));

/** The box of crop number i: walks the 800 x 600 space so that no two neighbours are the same. */
function boxOf(i) {
  const x = (i * 37) % (CLIP.width - THUMB.width);
  const y = (i * 53) % (CLIP.height - THUMB.height);
  return { x, y };
}

/** Runs `crop(i)` with `concurrency` in flight for `seconds`; returns crops per second. */
async function timedRun(crop, concurrency, seconds) {
  let next = 0;
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await crop(next++);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

// ---- (a) ImageMagick -------------------------------------------------------------------------

function imageMagickVersion() {
  try {
    const version = execFileSync('convert', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /ImageMagick [^\s]+/.exec(version);
    return m === null ? undefined : m[0];
  } catch {
    return undefined;
  }
}

function convertSystem(dir) {
  const src = join(dir, 'src.jpg');
  return (i) =>
    new Promise((resolve, reject) => {
      const { x, y } = boxOf(i);
      const out = join(dir, `out-${i % 64}.jpg`);
      const args = [
        src,
        '-resize',
        `${CLIP.width}x${CLIP.height}!`,
        '-crop',
        `${THUMB.width}x${THUMB.height}+${x}+${y}`,
      ];
      execFile('convert', [...args, '+repage', '-quality', String(QUALITY), out], (err) =>
        err === null ? resolve() : reject(err),
      );
    });
}

// ---- (b) bare sharp --------------------------------------------------------------------------

function sharpSystem(source) {
  return async (i) => {
    const { x, y } = boxOf(i);
    await sharp(source)
      .resize({ width: CLIP.width, height: CLIP.height, fit: 'fill' })
      .extract({ left: x, top: y, width: THUMB.width, height: THUMB.height })
      .jpeg({ quality: QUALITY })
      .toBuffer();
  };
}

// ---- (c) cut_svr -----------------------------------------------------------------------------

/** Starts an app's dist/main.js with a conf dir; resolves with its `listening` log line. */
function startApp(app, confDir, env = {}) {
  const child = spawn(process.execPath, appArgs(app), {
    env: { PATH: process.env.PATH, PIC_CONF_DIR: confDir, PIC_DATA_DIR: join(confDir, '..', 'data'), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line);
      if (entry.msg !== 'listening') return;
      // The rest of its log is read and dropped here: the bench's own CPU is not spent on it.
      lines.close();
      child.stdout.resume();
      resolve({ child, entry });
    });
    child.on('exit', (code) => reject(new Error(`${app} exited with ${code} before listening`)));
  });
}

async function stopApp(app) {
  if (app === undefined || app.child.exitCode !== null) return;
  const exited = new Promise((resolve) => app.child.on('exit', resolve));
  app.child.kill('SIGTERM');
  await exited;
}

function cutSvrSystem(frame, sourceId, created) {
  return async (i) => {
    const { x, y } = boxOf(i);
    const body = encodeCropRequest({
      hostid: 0,
      fdfsUrl: sourceId,
      clipW: CLIP.width,
      clipH: CLIP.height,
      startX: x,
      startY: y,
      thumbW: THUMB.width,
      thumbH: THUMB.height,
    });
    const reply = await frame.request(Cmd.CROP, body);
    if (reply.ret !== 0) throw new Error(`crop answered ${reply.ret} ${resultName(reply.ret)}`);
    created?.push(decodeCropResponse(reply.body).fdfsUrl);
  };
}

// ---- statistics and output -------------------------------------------------------------------

const fmt = (v) => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

function ratioCell(numerators, denominators, target) {
  if (denominators === undefined) return 'n/a';
  const ratios = numerators.map((n, i) => n / denominators[i]);
  const m = median(ratios);
  const range = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
  return `${m.toFixed(2)} (${range}) ${m >= target ? 'meets' : 'MISSES'} >= ${target}`;
}

async function main() {
  const via = option('--via');
  const dir = await mkdtemp(join(tmpdir(), 'crop-bench-'));
  const source = await sourceJpeg();
  await writeFile(join(dir, 'src.jpg'), source);
  const magick = imageMagickVersion();
  let fdfsApp;
  let cutApp;
  let fdfsClient;
  let frame;
  try {
    let tracker = process.env.PIC_TRACKER_SERVER || '127.0.0.1:22122';
    let target = via;
    if (via === undefined) {
      const confDir = join(dir, 'conf');
      await mkdir(confDir);
      await writeFile(join(confDir, 'fdfs-embedded.conf'), 'tracker_port = 0\nstorage_port = 0\n');
      await writeFile(join(confDir, 'cut-svr.conf'), 'port = 0\n');
      fdfsApp = await startApp('fdfs-embedded', confDir);
      tracker = `${fdfsApp.entry.tracker.host}:${fdfsApp.entry.tracker.port}`;
      cutApp = await startApp('cut-svr', confDir, { PIC_TRACKER_SERVER: tracker, LOG_LEVEL: 'info' });
      target = `${cutApp.entry.address.host}:${cutApp.entry.address.port}`;
    }
    fdfsClient = new FdfsClient({ trackers: [tracker] });
    const sourceId = await fdfsClient.upload(source, { ext: 'jpg' });
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    frame = new FrameClient({ host, port, requestTimeoutMs: 60_000 });
    // Through a shared stack the results are deleted after each run (untimed); our own FastDFS is thrown away.
    const created = via === undefined ? undefined : [];

    const systems = [
      ...(magick === undefined ? [] : [{ name: 'convert', run: convertSystem(dir) }]),
      { name: 'sharp', run: sharpSystem(source) },
      { name: 'cut_svr', run: cutSvrSystem(frame, sourceId, created) },
    ];
    console.log(
      `crop bench: ${SOURCE.width}x${SOURCE.height} JPEG (${source.length} bytes) -> ` +
        `${CLIP.width}x${CLIP.height} -> ${THUMB.width}x${THUMB.height}, q${QUALITY}; ` +
        `${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}; ` +
        `${ROUNDS} rounds x ${SECONDS} s; (c) ${via === undefined ? `cut_svr ${target}` : `via ${via}`}; ` +
        `(a) ${magick ?? 'skipped: convert is not ImageMagick'}`,
    );
    const header = ['concurrency', ...systems.map((s) => `${s.name}/s`), '(c)/(b)', '(c)/(a)'];
    const rows = [];
    const summary = [];
    const references = [
      { name: 'sharp', referenceName: 'bare sharp, in process', goal: TARGET_VS_SHARP },
      {
        name: 'convert',
        referenceName: `${magick ?? 'ImageMagick'} convert, a process per crop`,
        goal: TARGET_VS_CONVERT,
      },
    ];
    for (const concurrency of CONCURRENCIES) {
      const rates = new Map(systems.map((s) => [s.name, []]));
      for (const system of systems) await timedRun(system.run, concurrency, Math.min(1, SECONDS)); // warm-up
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? systems : [...systems].reverse();
        for (const system of order) {
          rates.get(system.name).push(await timedRun(system.run, concurrency, SECONDS));
          if (created !== undefined && created.length > 0) {
            await Promise.all(created.splice(0).map((id) => fdfsClient.delete(id).catch(() => undefined)));
          }
        }
      }
      const cut = rates.get('cut_svr');
      for (const { name, referenceName, goal } of references.filter((r) => rates.has(r.name))) {
        const ratios = cut.map((n, i) => n / rates.get(name)[i]);
        summary.push(
          summaryRow({
            what: `cut_svr: fetch, crop, store; ${concurrency} in flight${via === undefined ? '' : ` (via ${via})`}`,
            ours: median(cut),
            reference: median(rates.get(name)),
            referenceName,
            unit: 'crops/s',
            ratio: median(ratios),
            range: rangeOf(ratios),
            goal,
          }),
        );
      }
      rows.push([
        String(concurrency),
        ...systems.map((s) => fmt(median(rates.get(s.name)))),
        ratioCell(cut, rates.get('sharp'), TARGET_VS_SHARP),
        ratioCell(cut, rates.get('convert'), TARGET_VS_CONVERT),
      ]);
      console.log(
        `  concurrency ${concurrency}: ${[...rates].map(([n, r]) => `${n} ${r.map(fmt).join(' ')}`).join('; ')}`,
      );
    }
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
    console.log(`\n${line(header)}\n${rows.map(line).join('\n')}`);
    await fdfsClient.delete(sourceId).catch(() => undefined);
    const notes = magick === undefined ? ['ImageMagick skipped: `convert` is missing or is not ImageMagick'] : [];
    writeSummary('crop', { rows: summary, notes });
  } finally {
    await frame?.close();
    await fdfsClient?.close();
    await stopApp(cutApp);
    await stopApp(fdfsApp);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
