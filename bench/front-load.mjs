// The load side of bench/front.bench.mjs: wrk runs (HTTP cells), a timed loop of async operations (uploads),
// a wrk Lua script cycling paths, RSS sampling of a process, and the test picture.
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import sharp from 'sharp';

/**
 * One wrk run against `url` (a Lua `script` cycling paths when given; it supplies the paths itself).
 * `children` tracks the wrk process so Ctrl-C stops it. Returns requests/s, the p50/p99 latency in ms, and
 * the failures wrk counted: non-2xx/3xx answers and socket errors (either makes the run suspect).
 */
export async function runWrk(children, url, { seconds, connections, threads, script }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '--latency'];
  if (script !== undefined) args.push('-s', script);
  const child = children.spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
  const code = await new Promise((resolve) => child.once('exit', (c, signal) => resolve(c ?? signal)));
  if (code !== 0) throw new Error(`wrk ${args.join(' ')} ${url} exited with ${code}: ${err.trim() || out.trim()}`);
  return parseWrk(out);
}

/** The numbers of wrk's report (wrk 4.1 with --latency). */
export function parseWrk(text) {
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  if (rate === null) throw new Error(`no Requests/sec in wrk's output:\n${text}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const requests = /^\s*(\d+) requests in/m.exec(text);
  return {
    rate: Number(rate[1]),
    requests: requests === null ? undefined : Number(requests[1]),
    p50: latencyMs(text, '50%'),
    p99: latencyMs(text, '99%'),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    socketErrors: socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0),
  };
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function latencyMs(text, percentile) {
  const m = new RegExp(`^\\s+${percentile}\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
  return m === null ? undefined : Number(m[1]) * UNIT_MS[m[2]];
}

/**
 * A wrk script asking for `paths` round robin (each wrk thread from its own start). A request()
 * function costs wrk a little per request: both systems of a cell run the same script.
 */
export function roundRobinScript(paths) {
  const list = paths.map((p) => `  ${JSON.stringify(p)},`).join('\n');
  return `-- written by bench/front.bench.mjs\nlocal paths = {\n${list}\n}
local n = #paths
local i = 0
local counter = 0
setup = function(thread)
  thread:set("start", counter * 7919)
  counter = counter + 1
end
init = function(args)
  i = (tonumber(start) or 0) % n
end
request = function()
  i = i % n + 1
  return wrk.format("GET", paths[i])
end
`;
}

/**
 * Runs `op(i)` with `concurrency` in flight (a new one starts as one ends) for `seconds`.
 * Returns { rate: completed ops/s, errors: Map<message, count> }; a failed op counts as an error, not a rate.
 */
export async function timedLoop(op, concurrency, seconds) {
  let next = 0;
  let done = 0;
  const errors = new Map();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          await op(next++);
          done++;
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          errors.set(message, (errors.get(message) ?? 0) + 1);
        }
      }
    }),
  );
  return { rate: done / ((performance.now() - started) / 1000), requests: done, errors };
}

/** Clock ticks per second of /proc/<pid>/stat's times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system) spent so far by the processes `pids` and all their descendants (varnishd's
 * cache process is its manager's child): a measure of work per request that another process's load on the
 * machine changes much less than it changes a rate.
 */
export async function cpuSecondsOf(pids) {
  const stats = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: the fields after it start at the last ')'.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone between readdir and readFile
    }
  }
  const counted = new Set(pids);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, { ppid }] of stats) {
      if (counted.has(ppid) && !counted.has(pid)) {
        counted.add(pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of counted) ticks += stats.get(pid)?.ticks ?? 0;
  return ticks / CLOCK_TICKS;
}

/** Bytes of VmRSS of process `pid` now (/proc/<pid>/status), or undefined once it is gone. */
export async function rssOf(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Samples the RSS of `pid` every `everyMs` until stop(); stop() returns { max, last, samples }. */
export function sampleRss(pid, everyMs = 100) {
  let max = 0;
  let last;
  let samples = 0;
  let pending = Promise.resolve();
  const timer = setInterval(() => {
    pending = rssOf(pid).then((rss) => {
      if (rss === undefined) return;
      samples++;
      last = rss;
      max = Math.max(max, rss);
    });
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      return { max, last, samples };
    },
  };
}

/**
 * A deterministic photo-like JPEG of about `targetBytes` (gradients, rings and grain, so JPEG has work
 * to do): 800 x 600, the quality picked by bisection to come closest to the target.
 */
export async function pictureJpeg(targetBytes) {
  const width = 800;
  const height = 600;
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const grain = (seed >>> 27) - 16;
      const ring = Math.sin(Math.hypot(x - 400, y - 300) / 30) * 60;
      const at = (y * width + x) * 3;
      pixels[at] = clamp((x * 255) / width + ring + grain);
      pixels[at + 1] = clamp((y * 255) / height - ring + grain);
      pixels[at + 2] = clamp(128 + Math.sin(x / 60) * Math.cos(y / 50) * 100 + grain);
    }
  }
  const encode = (quality) =>
    sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality })
      .toBuffer();
  let [low, high] = [1, 100];
  let best = await encode(50);
  while (low <= high) {
    const quality = (low + high) >> 1;
    const jpeg = await encode(quality);
    if (Math.abs(jpeg.length - targetBytes) < Math.abs(best.length - targetBytes)) best = jpeg;
    if (jpeg.length < targetBytes) low = quality + 1;
    else high = quality - 1;
  }
  return best;
}

const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));
