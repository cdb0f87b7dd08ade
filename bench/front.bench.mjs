#!/usr/bin/env node
// The front tier (apps/front) against the systems it replaces, on this machine. A benchmark, not a test: it prints
// medians and ratios, never fails on them.
//
//   npx tsc -b && node bench/front.bench.mjs [--rounds 5] [--seconds 5] [--cells 1,2,3,4]
//
// Processes, each its own: the embedded FastDFS (apps/fdfs-embedded/dist/main.js, files under a temp dir), one
// front per cell (apps/front/dist/main.js, a front.conf of its own: cluster 0 = that FastDFS, no Redis, no
// metadata_dbsvr), nginx 1 worker and varnishd as throwaway instances under the temp dir, bare node:http
// (bench/front-bare-http.mjs); this process runs wrk (every HTTP cell, both sides) and the upload loops.
// All stop at the end, also on Ctrl-C. A cell whose tool is missing prints "skipped: no <tool>".
//
// Cells (the picture: one ~80 KB JPEG made with sharp; uploaded to FastDFS as many times as ids are needed):
//   1 cache hit     GET /download.fcgi/<id> of one warm file: the front (cache on) vs varnish in front of nginx
//                   serving the same bytes at the same path (warm); bare node:http answering the same Buffer is
//                   a third line, the ceiling. wrk -t1 -c64. Goal: front >= 1.0 x varnish.
//   2 cache miss    the front with cache_memory = 0 (every request is a FastDFS download) vs nginx serving the
//                   files from disk; --files distinct ids requested round robin by a wrk Lua script (misses of
//                   a picture site are spread over many files; one file would be hot in every layer). No goal.
//   3 uploads       POST /upload.cgi (multipart: a fresh session key per upload, type jpg, the file) vs
//                   FdfsClient.upload of the same bytes to the same FastDFS; --concurrency in flight, the same
//                   loop for both (fetch + FormData for the front). Goal: >= 0.5 x.
//   4 RSS           the front with cache_memory = 64MB flooded by wrk over --flood-files distinct ids (more bytes
//                   than the budget) for 3 x --seconds; its VmRSS sampled every 100 ms during and 3 s after.
//                   Goal: max RSS <= budget + 150 MB.
// The cells run in the order 1 2 4 3 (uploads last, see RUN_ORDER); the table lists them 1 to 4.
// Cells 1-3 run their systems alternately (a b, b a, ...), --rounds runs of --seconds each after a 1 s
// warm-up of each; a round line gives each rate and the paired ratio, the summary the medians. wrk's non-2xx
// answers and socket errors are shown: a run with them is suspect. The load tool and the servers share the
// machine's cores (2 here): the front is one Node process, nginx gets one worker, varnish runs as shipped
// (its worker threads may use every core). So the summary also gives the CPU time the measured processes
// spent per request (/proc, descendants included: varnish's cache process; the front's misses and uploads
// count the FastDFS process too; FdfsClient counts FastDFS and this process): other load on a shared
// machine moves a rate far more than it moves that.
//
//   --rounds N          runs per system per cell (5)       --seconds S       length of one run (5)
//   --connections N     wrk connections (64)               --threads N       wrk threads (1)
//   --files N           distinct files of cell 2 (200)     --flood-files N   distinct files of cell 4 (1500)
//   --concurrency N     uploads in flight, cell 3 (16)     --cells LIST      which cells (1,2,3,4)
//   --quick             3 rounds of 2 s unless --rounds / --seconds say otherwise
//   --json <file>       also writes the table there (bench/README.md, "The summary file"); CPU time per request
//                       is a row of its own there, oriented like the rest (ratio > 1: ours spent less)
/* global fetch, AbortSignal */
import { Buffer } from 'node:buffer';
import { Agent, request } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FdfsClient } from 'fastdfs-client-ts';
import { DesKey, issueSessionKey } from '@pic-storage/session-key';
import {
  byMode,
  fail,
  freePort,
  median,
  option,
  orientedRatio,
  rangeOf,
  summaryRow,
  writeSummary,
} from './bench-kit.mjs';
import { cpuSecondsOf, pictureJpeg, roundRobinScript, rssOf, runWrk, sampleRss, timedLoop } from './front-load.mjs';
import {
  appMain,
  ChildSet,
  findTool,
  startBareHttp,
  startFdfs,
  startFront,
  startNginx,
  startVarnish,
} from './front-processes.mjs';

const MB = 1024 * 1024;
const ROUNDS = count('--rounds', byMode(5, 3));
const SECONDS = count('--seconds', byMode(5, 2));
const CONNECTIONS = count('--connections', 64);
const THREADS = count('--threads', 1);
const MISS_FILES = count('--files', 200);
const FLOOD_FILES = count('--flood-files', 1500);
const UPLOAD_CONCURRENCY = count('--concurrency', 16);
const CELLS = cellList(option('--cells') ?? '1,2,3,4');
const WARMUP_SECONDS = 1;
const PICTURE_BYTES = 80 * 1024;
const FLOOD_SECONDS = 3 * SECONDS;
const SETTLE_SECONDS = 3;
const RSS_BUDGET = 64 * MB;
const RSS_ALLOWANCE = 150 * MB;
/** The front's DES key in this bench (any 8 bytes; the upload cell issues its keys with it). */
const DES_KEY = 'bench!K1';
const GOAL_HIT = 1.0;
const GOAL_UPLOAD = 0.5;
/**
 * The uploads run last: their runs write gigabytes into the temp dir, which the kernel writes back to disk
 * for a while after; the other cells do not share the machine with that.
 */
const RUN_ORDER = [1, 2, 4, 3];
/** What each cell needs besides node. */
const CELL_TOOLS = { 1: ['wrk', 'nginx', 'varnishd'], 2: ['wrk', 'nginx'], 3: [], 4: ['wrk'] };

function count(name, fallback) {
  const text = option(name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) fail(`${name} takes a positive whole number, got ${text}`);
  return Number(text);
}

function cellList(text) {
  const cells = text.split(',').map((c) => c.trim());
  const bad = cells.find((c) => !['1', '2', '3', '4'].includes(c));
  if (bad !== undefined) fail(`--cells takes a list of 1, 2, 3, 4, got ${JSON.stringify(bad)}`);
  return [...new Set(cells.map(Number))].sort();
}

const rate = (n) => Math.round(n).toLocaleString('en-US');
const mb = (bytes) => `${(bytes / MB).toFixed(0)} MB`;
const ratioText = (ratios) =>
  `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`;

/**
 * Runs each system's `run(system, seconds)` alternately, round after round; returns name → results. A system's
 * `cpu()` (CPU seconds its processes have used) gives each result its CPU microseconds per request, `cpuUs`;
 * its `after()`, if any, runs after each run, untimed.
 */
async function alternate(title, systems, run, ratioOf) {
  const results = new Map(systems.map((s) => [s.name, []]));
  const measured = async (system, seconds) => {
    const before = await system.cpu();
    const result = await run(system, seconds);
    const used = (await system.cpu()) - before;
    await system.after?.();
    return { ...result, cpuUs: result.requests > 0 ? (used / result.requests) * 1e6 : undefined };
  };
  for (const system of systems) {
    await run(system, WARMUP_SECONDS);
    await system.after?.();
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? systems : [...systems].reverse();
    for (const system of order) results.get(system.name).push(await measured(system, SECONDS));
    const parts = systems.map((s) => {
      const r = results.get(s.name)[round];
      return `${s.name} ${rate(r.rate)}/s${suspect(r)}`;
    });
    console.log(`  ${title} round ${round + 1}: ${parts.join('  ')}  ratio ${ratioOf(results, round).toFixed(2)}`);
  }
  return results;
}

/** CPU seconds used so far by the processes of `servers` (each a { child }) and their descendants. */
const cpuOf =
  (...servers) =>
  () =>
    cpuSecondsOf(servers.map((s) => s.child.pid));

function selfCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** What made a run suspect: failed requests. */
function suspect(r) {
  const notes = [];
  if (r.non2xx > 0) notes.push(`${r.non2xx} non-2xx`);
  if (r.socketErrors > 0) notes.push(`${r.socketErrors} socket errors`);
  if (r.errors !== undefined) for (const [message, n] of r.errors) notes.push(`${n} x ${message}`);
  return notes.length === 0 ? '' : ` (! ${notes.join(', ')})`;
}

const ratiosOf = (results, ours, reference) => results.get(ours).map((r, i) => r.rate / results.get(reference)[i].rate);

/** GETs `url` and holds its body to `bytes`; returns the response headers. */
async function expectBytes(url, bytes) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || !body.equals(bytes)) {
    throw new Error(`${url} answered ${res.status} with ${body.length} bytes, not the ${bytes.length} uploaded`);
  }
  return res.headers;
}

async function frontStatus(front) {
  const res = await fetch(`${front.url}/status`, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()).cache;
}

/** `fn(item)` for every item, 16 at a time; resolves with the results, in no particular order. */
async function inParallel(items, fn) {
  const results = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < items.length) results.push(await fn(items[next++]));
    }),
  );
  return results;
}

/** Uploads `bytes` `n` times; returns the file ids. */
const uploadCopies = (client, bytes, n) =>
  inParallel(Array.from({ length: n }), () => client.upload(bytes, { ext: 'jpg' }));

// ---- the cells --------------------------------------------------------------------------------------------

async function cacheHit(ctx) {
  const path = `/download.fcgi/${ctx.ids[0]}`;
  const front = await startFront(ctx.children, ctx.dir, 'conf-hit', ctx.frontOptions(await freePort()));
  const varnish = await startVarnish(ctx.children, ctx.tools.varnishd, ctx.dir, {
    port: await freePort(),
    backendPort: (await ctx.nginx()).port,
  });
  const bare = await startBareHttp(ctx.children, ctx.pictureFile, await freePort());
  try {
    const systems = [
      { name: 'front', url: front.url + path, cpu: cpuOf(front) },
      { name: 'varnish', url: varnish.url + path, cpu: cpuOf(varnish) },
      { name: 'node:http', url: bare.url + path, cpu: cpuOf(bare) },
    ];
    // Warm: each has the file in memory before the first timed request; varnish's second answer is a hit.
    for (const s of systems) await expectBytes(s.url, ctx.jpeg);
    const again = await expectBytes(varnish.url + path, ctx.jpeg);
    if (!/^\d+ \d+$/.test(again.get('x-varnish') ?? '')) console.log('  ! varnish did not answer from its cache');
    const wrkRun = (s, seconds) => runWrk(ctx.children, s.url, ctx.wrkOptions(seconds));
    const results = await alternate(
      'hit',
      systems,
      wrkRun,
      (r, i) => r.get('front')[i].rate / r.get('varnish')[i].rate,
    );
    const cache = await frontStatus(front);
    summary(results);
    console.log(`  front cache: ${cache.hits} hits, ${cache.misses} misses`);
    const vsVarnish = ratiosOf(results, 'front', 'varnish');
    const vsBare = ratiosOf(results, 'front', 'node:http');
    const hit = `cache hit, one ${Math.round(ctx.jpeg.length / 1000)} KB JPEG, wrk -c${CONNECTIONS}`;
    summarize(hit, results, 'front', 'varnish', vsVarnish, { goal: GOAL_HIT });
    summarize(`${hit} (the ceiling)`, results, 'front', 'node:http', vsBare, { cpu: false });
    return [
      row('1 cache hit, 80 KB', results, 'front', 'varnish', vsVarnish, `>= ${GOAL_HIT.toFixed(1)}`, GOAL_HIT),
      row('1 (ceiling)', results, 'front', 'node:http', vsBare, 'info'),
    ];
  } finally {
    for (const s of [front, varnish, bare]) await ctx.children.stop(s.child);
  }
}

async function cacheMiss(ctx) {
  const ids = ctx.ids.slice(0, MISS_FILES);
  const script = join(ctx.dir, 'miss.lua');
  await writeFile(script, roundRobinScript(ids.map((id) => `/download.fcgi/${id}`)));
  const front = await startFront(ctx.children, ctx.dir, 'conf-miss', {
    ...ctx.frontOptions(await freePort()),
    extra: ['cache_memory = 0'],
  });
  const nginx = await ctx.nginx();
  try {
    const systems = [
      // A miss costs the front its FastDFS too: both processes are counted.
      { name: 'front', url: `${front.url}/`, cpu: cpuOf(front, ctx.fdfs) },
      { name: 'nginx', url: `${nginx.url}/`, cpu: cpuOf(nginx) },
    ];
    for (const s of systems) {
      for (const id of [ids[0], ids.at(-1)]) await expectBytes(`${s.url}download.fcgi/${id}`, ctx.jpeg);
    }
    const wrkRun = (s, seconds) => runWrk(ctx.children, s.url, { ...ctx.wrkOptions(seconds), script });
    const rss = sampleRss(front.child.pid);
    const results = await alternate('miss', systems, wrkRun, (r, i) => r.get('front')[i].rate / r.get('nginx')[i].rate);
    const { max } = await rss.stop();
    const cache = await frontStatus(front);
    summary(results);
    console.log(`  front RSS with the cache off: max ${mb(max)} (what cell 4's budget comes on top of)`);
    console.log(`  front cache: ${cache.hits} hits, ${cache.misses} misses, ${cache.origin_fetches} FastDFS downloads`);
    const vsNginx = ratiosOf(results, 'front', 'nginx');
    summarize(
      `cache miss (cache off), ${ids.length} files round robin, wrk -c${CONNECTIONS}`,
      results,
      'front',
      'nginx',
      vsNginx,
    );
    return [row(`2 cache miss, ${ids.length} files`, results, 'front', 'nginx', vsNginx)];
  } finally {
    await ctx.children.stop(front.child);
  }
}

async function uploads(ctx) {
  const front = await startFront(ctx.children, ctx.dir, 'conf-upload', ctx.frontOptions(await freePort()));
  try {
    const desKey = DesKey.from(DES_KEY);
    // The files a run stored, deleted after it (untimed): a run of the client alone stores gigabytes, which
    // deleted at once never reach the disk, nor slow the next run down by being written back.
    const created = [];
    const deleteCreated = () => inParallel(created.splice(0), (id) => ctx.client.delete(id));
    // The form as a browser sends it, written by hand on a kept-alive connection: the load tool's own cost
    // (undici's FormData encoder costs more than the front's parse) shares the 2 cores with what is measured.
    const boundary = '----picbench7MA4YWxkTrZu0gW';
    const head = (key) =>
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="session_key"\r\n\r\n${key}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\njpg\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.jpg"\r\n` +
          'Content-Type: image/jpeg\r\n\r\n',
      );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const agent = new Agent({ keepAlive: true, maxSockets: UPLOAD_CONCURRENCY });
    const { hostname, port } = new URL(front.url);
    let serial = 0;
    const uploadCgi = async () => {
      const n = serial++;
      // A fresh key per upload, as each page load of the game would have; uid and albumid tell them apart.
      const first = head(issueSessionKey({ uid: n & 0xffff, albumid: (n >>> 16) & 0xffff }, desKey));
      const answer = await new Promise((resolve, reject) => {
        const req = request(
          {
            agent,
            hostname,
            port,
            method: 'POST',
            path: '/upload.cgi',
            headers: {
              'Content-Type': `multipart/form-data; boundary=${boundary}`,
              'Content-Length': first.length + ctx.jpeg.length + tail.length,
            },
            timeout: 30_000,
          },
          (res) => {
            const chunks = [];
            res.on('data', (chunk) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode, ...JSON.parse(Buffer.concat(chunks).toString()) }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('upload.cgi did not answer in 30 s')));
        req.on('error', reject);
        req.write(first);
        req.write(ctx.jpeg);
        req.end(tail);
      });
      if (answer.result !== 'success') throw new Error(`upload.cgi ${answer.status} ${answer.code} ${answer.message}`);
      created.push(answer.lloc);
    };
    await uploadCgi();
    const back = await ctx.client.download(created[0]);
    if (!back.equals(ctx.jpeg)) {
      throw new Error(`upload.cgi stored ${back.length} bytes, not the ${ctx.jpeg.length} sent`);
    }
    const systems = [
      // CPU: the front and FastDFS, against this process (where the client runs) and FastDFS.
      { name: 'upload.cgi', op: uploadCgi, cpu: cpuOf(front, ctx.fdfs), after: deleteCreated },
      {
        name: 'FdfsClient',
        op: async () => created.push(await ctx.client.upload(ctx.jpeg, { ext: 'jpg' })),
        cpu: async () => (await cpuOf(ctx.fdfs)()) + selfCpuSeconds(),
        after: deleteCreated,
      },
    ];
    const loop = (s, seconds) => timedLoop(s.op, UPLOAD_CONCURRENCY, seconds);
    const results = await alternate(
      'upload',
      systems,
      loop,
      (r, i) => r.get('upload.cgi')[i].rate / r.get('FdfsClient')[i].rate,
    );
    summary(results, 'uploads');
    const ratios = ratiosOf(results, 'upload.cgi', 'FdfsClient');
    summarize(`upload.cgi, ${UPLOAD_CONCURRENCY} in flight`, results, 'upload.cgi', 'FdfsClient', ratios, {
      unit: 'uploads/s',
      goal: GOAL_UPLOAD,
    });
    return [
      row(
        `3 uploads, c=${UPLOAD_CONCURRENCY}`,
        results,
        'upload.cgi',
        'FdfsClient',
        ratios,
        `>= ${GOAL_UPLOAD}`,
        GOAL_UPLOAD,
      ),
    ];
  } finally {
    await ctx.children.stop(front.child);
  }
}

async function rssUnderLoad(ctx) {
  const ids = ctx.ids.slice(0, FLOOD_FILES);
  const script = join(ctx.dir, 'flood.lua');
  await writeFile(script, roundRobinScript(ids.map((id) => `/download.fcgi/${id}`)));
  const front = await startFront(ctx.children, ctx.dir, 'conf-rss', {
    ...ctx.frontOptions(await freePort()),
    extra: [`cache_memory = ${RSS_BUDGET / MB}MB`],
  });
  try {
    const pid = front.child.pid;
    const idle = await rssOf(pid);
    const during = sampleRss(pid);
    const flood = await runWrk(ctx.children, `${front.url}/`, { ...ctx.wrkOptions(FLOOD_SECONDS), script });
    const peak = await during.stop();
    const after = sampleRss(pid);
    await sleep(SETTLE_SECONDS * 1000);
    const settled = await after.stop();
    const cache = await frontStatus(front);
    const max = Math.max(peak.max, settled.max);
    const over = max - RSS_BUDGET;
    const allowed = RSS_BUDGET + RSS_ALLOWANCE;
    // As a ratio oriented like the rest: allowed / max RSS, at least 1 when the RSS stays within what is allowed.
    summaryRows.push(
      summaryRow({
        what: `max RSS, cache_memory ${mb(RSS_BUDGET)}, flooded by ${ids.length} files`,
        ours: max / MB,
        reference: allowed / MB,
        referenceName: `cache budget + ${mb(RSS_ALLOWANCE)}`,
        unit: 'MB',
        ratio: orientedRatio(max, allowed, false),
        goal: 1,
        higherIsBetter: false,
      }),
    );
    if (suspect(flood) !== '') notes.push(`RSS flood had failed requests${suspect(flood)}`);
    console.log(
      `  rss: ${ids.length} files x ${ctx.jpeg.length} B = ${mb(ids.length * ctx.jpeg.length)} flooded for ` +
        `${FLOOD_SECONDS} s at ${rate(flood.rate)} req/s${suspect(flood)}; RSS idle ${mb(idle)}, ` +
        `max ${mb(max)} (${peak.samples + settled.samples} samples), ${SETTLE_SECONDS} s after ${mb(settled.last)}`,
    );
    console.log(
      `  front cache: ${mb(cache.bytes)} held of ${mb(cache.max_bytes)}, ${cache.entries} entries, ` +
        `${cache.evictions} evictions, ${cache.hits} hits, ${cache.misses} misses`,
    );
    return [
      {
        cell: '4 RSS, cache 64 MB',
        ours: `max RSS ${mb(max)}`,
        reference: `budget ${mb(RSS_BUDGET)}`,
        ratio: `RSS - budget = ${mb(over)}`,
        goal: `<= budget + ${mb(RSS_ALLOWANCE)}`,
        met: over <= RSS_ALLOWANCE ? 'yes' : 'NO',
      },
    ];
  } finally {
    await ctx.children.stop(front.child);
  }
}

/** Per system: the medians of its rate, latencies (wrk) and CPU per request. */
function summary(results, unit = 'req') {
  for (const [name, runs] of results) {
    const medianOf = (key, text) => {
      const values = runs.map((r) => r[key]).filter((v) => v !== undefined);
      return values.length === 0 ? '' : `, ${text(median(values))}`;
    };
    const p50 = medianOf('p50', (v) => `p50 ${v.toFixed(2)} ms`);
    const p99 = medianOf('p99', (v) => `p99 ${v.toFixed(2)} ms`);
    const cpu = medianOf('cpuUs', (v) => `CPU ${v.toFixed(0)} µs/${unit.replace(/s$/, '')}`);
    console.log(`  ${name}: median ${rate(median(runs.map((r) => r.rate)))} ${unit}/s${p50}${p99}${cpu}`);
  }
}

/** What each reference system of the table is, for the --json summary. */
const REFERENCE_NAMES = {
  varnish: 'varnish in front of nginx',
  'node:http': 'bare node:http answering a Buffer',
  nginx: 'nginx from disk',
  FdfsClient: 'FdfsClient.upload, same FastDFS',
};
/** The rows of the --json summary, and what it notes: cells skipped, runs with failed requests. */
const summaryRows = [];
const notes = [];

/**
 * Adds a compared pair to the summary: the rate, and (with `cpu`) the CPU time per request, where less is
 * better. Runs with failed requests become notes.
 */
function summarize(what, results, ours, reference, ratios, { unit = 'req/s', goal, cpu = true } = {}) {
  const rateOf = (name) => median(results.get(name).map((r) => r.rate));
  const referenceName = REFERENCE_NAMES[reference];
  summaryRows.push(
    summaryRow({
      what,
      ours: rateOf(ours),
      reference: rateOf(reference),
      referenceName,
      unit,
      ratio: median(ratios),
      range: rangeOf(ratios),
      goal,
    }),
  );
  const pairs = results
    .get(ours)
    .map((r, i) => [r.cpuUs, results.get(reference)[i].cpuUs])
    .filter(([a, b]) => a > 0 && b > 0);
  if (cpu && pairs.length > 0) {
    const cpuRatios = pairs.map(([a, b]) => orientedRatio(a, b, false));
    summaryRows.push(
      summaryRow({
        what: `${what}: CPU time per ${unit === 'uploads/s' ? 'upload' : 'request'}`,
        ours: median(pairs.map(([a]) => a)),
        reference: median(pairs.map(([, b]) => b)),
        referenceName,
        unit: 'µs',
        ratio: median(cpuRatios),
        range: rangeOf(cpuRatios),
        higherIsBetter: false,
      }),
    );
  }
  for (const name of [ours, reference]) {
    const bad = results.get(name).filter((r) => suspect(r) !== '');
    if (bad.length > 0) notes.push(`${what}: ${bad.length} run(s) of ${name} had failed requests${suspect(bad[0])}`);
  }
}

function row(cell, results, ours, reference, ratios, goal = 'info', target = undefined) {
  const m = median(ratios);
  return {
    cell,
    ours: `${ours} ${rate(median(results.get(ours).map((r) => r.rate)))}/s`,
    reference: `${reference} ${rate(median(results.get(reference).map((r) => r.rate)))}/s`,
    ratio: ratioText(ratios),
    goal,
    met: target === undefined ? '-' : m >= target ? 'yes' : 'NO',
  };
}

function printTable(rows) {
  const header = {
    cell: 'cell',
    ours: 'ours',
    reference: 'reference',
    ratio: 'median ratio',
    goal: 'goal',
    met: 'met?',
  };
  const keys = Object.keys(header);
  const widths = keys.map((k) => Math.max(header[k].length, ...rows.map((r) => r[k].length)));
  const line = (r) =>
    keys
      .map((k, i) => r[k].padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(`\n${line(header)}\n${rows.map(line).join('\n')}`);
}

// ---- main -------------------------------------------------------------------------------------------------

async function main() {
  for (const app of ['front', 'fdfs-embedded']) {
    if (!existsSync(appMain(app))) fail(`${appMain(app)} is missing: run npx tsc -b first`);
  }
  const tools = { wrk: findTool('wrk'), nginx: findTool('nginx'), varnishd: findTool('varnishd') };
  const cells = CELLS.filter((cell) => {
    const missing = CELL_TOOLS[cell].filter((tool) => tools[tool] === undefined);
    if (missing.length > 0) {
      console.log(`cell ${cell} skipped: no ${missing.join(', no ')}`);
      notes.push(`cell ${cell} skipped: no ${missing.join(', no ')}`);
    }
    return missing.length === 0;
  });
  if (cells.length === 0) {
    console.log('skipped: nothing to run');
    writeSummary('front', { skipped: notes.join('; ') });
    return;
  }

  const children = new ChildSet();
  const dir = await mkdtemp(join(tmpdir(), 'front-bench-'));
  let client;
  let cleaning;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await client?.close();
      await children.stopAll();
      await rm(dir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      console.error(`bench: ${signal}, stopping every process it started`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    const jpeg = await pictureJpeg(PICTURE_BYTES);
    const pictureFile = join(dir, 'picture.jpg');
    await writeFile(pictureFile, jpeg);
    const fdfs = await startFdfs(children, dir);
    client = new FdfsClient({ trackers: [fdfs.tracker] });
    const needed = Math.max(1, cells.includes(2) ? MISS_FILES : 0, cells.includes(4) ? FLOOD_FILES : 0);
    const ids = await uploadCopies(client, jpeg, needed);
    // nginx serves the same bytes at the same paths: <root>/download.fcgi/<file id>.
    const www = join(dir, 'www');
    for (const id of ids.slice(0, Math.max(1, cells.includes(2) ? MISS_FILES : 0))) {
      const file = join(www, 'download.fcgi', id);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, jpeg);
    }
    let nginx;
    const ctx = {
      children,
      fdfs,
      dir,
      tools,
      jpeg,
      pictureFile,
      ids,
      client,
      /** nginx is started once, by the first cell that needs it. */
      nginx: async () => {
        if (nginx === undefined) {
          const port = await freePort();
          nginx = { port, ...(await startNginx(children, tools.nginx, dir, { port, root: www })) };
        }
        return nginx;
      },
      frontOptions: (port) => ({ tracker: fdfs.tracker, port, desKey: DES_KEY }),
      wrkOptions: (seconds) => ({ seconds, connections: CONNECTIONS, threads: THREADS }),
    };
    console.log(
      `front bench: ${jpeg.length} B JPEG; ${availableParallelism()} cores shared by wrk/the load loop and the ` +
        `servers, load ${loadavg()[0].toFixed(2)}; ${ROUNDS} rounds x ${SECONDS} s; wrk -t${THREADS} ` +
        `-c${CONNECTIONS}; FastDFS ${fdfs.tracker}, ${ids.length} files uploaded`,
    );
    const run = { 1: cacheHit, 2: cacheMiss, 3: uploads, 4: rssUnderLoad };
    const rows = new Map();
    // The summary rows of each cell, to list them 1 to 4 too.
    const summaryOf = new Map();
    for (const cell of RUN_ORDER.filter((c) => cells.includes(c))) {
      const before = summaryRows.length;
      rows.set(cell, await run[cell](ctx));
      summaryOf.set(cell, summaryRows.slice(before));
    }
    printTable(cells.flatMap((cell) => rows.get(cell)));
    writeSummary('front', { rows: cells.flatMap((cell) => summaryOf.get(cell)), notes });
  } finally {
    await cleanup();
  }
}

await main();
