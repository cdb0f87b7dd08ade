#!/usr/bin/env node
// Session checks/s (cmd 0x10B5) straight to sess_check_svr: counts in memory against counts in Redis,
// side by side. A benchmark, not a test: it prints medians and ratios, never fails on them.
//
//   npx tsc -b && node bench/session-check.bench.mjs
//   node bench/session-check.bench.mjs --via 127.0.0.1:6998 --key 'pic$KEY1'   # any server (admin_proxy)
//
// Processes, as in production: sess_check_svr (apps/sess-check-svr/dist/main.js, a conf in a temp
// dir) once with memory counts and, when /usr/bin/redis-server exists, once more with its counts in a
// redis-server this script starts; and this process as the clients. Each client is one FrameClient
// (one connection) keeping DEPTH checks in flight (pipelined). Every key is used exactly max_checks
// (30) times, then a fresh one is issued, so the answers are ret 0 and every check is counted. The
// two servers run alternately (memory redis redis memory ...) after a warm-up of each; a run lasts
// BENCH_SECONDS and counts the responses. Per cell: the median checks/s of each, the median of the
// paired ratios (redis over memory) with their range, and the ret codes seen (look at them).
//
// With --via host:port only that address is measured (keys issued with --key, else
// $PIC_SESSION_DES_KEY, else the development key). runLoad() and SessionKeySource are exported
// for a benchmark that compares paths (e.g. straight vs. through admin_proxy).
//
//   BENCH_CLIENTS=1,16     clients (connections) per cell
//   BENCH_DEPTH=16         checks in flight per client
//   BENCH_ROUNDS=5         runs per server per cell
//   BENCH_SECONDS=2        duration of one run
//   --quick                3 rounds of 1 s unless BENCH_ROUNDS / BENCH_SECONDS say otherwise
//   --json <file>          also writes the ratios there (bench/README.md, "The summary file")
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Cmd, encodeSessionCheckRequest } from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { DesKey, DEV_DES_KEY, issueSessionKey, unixTime } from '@pic-storage/session-key';
import {
  appArgs,
  byMode,
  fail,
  freePort,
  median,
  option,
  rangeOf,
  stopChild,
  summaryRow,
  writeSummary,
} from './bench-kit.mjs';

const REDIS_SERVER = '/usr/bin/redis-server';
const MAX_CHECKS = 30;
const numbers = (value, fallback) => (value || fallback).split(',').map(Number);
const CLIENTS = numbers(process.env.BENCH_CLIENTS, '1,16');
const DEPTH = Number(process.env.BENCH_DEPTH || 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS || byMode(5, 3));
const SECONDS = Number(process.env.BENCH_SECONDS || byMode(2, 1));

/**
 * Session keys to check, each handed out `uses` times, then a new one: distinct keys (uid and
 * albumid count up; `channel` tells sources apart), issued now, so each is valid and not used up.
 */
export class SessionKeySource {
  constructor(desKey, { channel = 0, uses = MAX_CHECKS } = {}) {
    this.desKey = DesKey.from(desKey);
    this.channel = channel;
    this.uses = uses;
    this.serial = 0;
    this.left = 0;
    this.body = undefined;
  }

  /** The next request body (the key's hex text). */
  next() {
    if (this.left === 0) {
      const serial = this.serial++;
      const fields = { uid: serial & 0xffff, albumid: (serial >>> 16) & 0xffff, channel: this.channel };
      this.body = encodeSessionCheckRequest(issueSessionKey(fields, this.desKey, unixTime()));
      this.left = this.uses;
    }
    this.left--;
    return this.body;
  }
}

/**
 * Checks/s of `clients` FrameClients to host:port, `depth` in flight each, for `seconds`; bodies
 * from `keys` (a SessionKeySource). Returns { rate, rets: Map<ret, count> }.
 */
export async function runLoad({ host, port, clients, depth = DEPTH, seconds, keys }) {
  const pool = Array.from(
    { length: clients },
    () => new FrameClient({ host, port, maxInFlight: depth, requestTimeoutMs: 30_000 }),
  );
  const rets = new Map();
  let count = 0;
  let stopAt = Infinity;
  const worker = async (client) => {
    while (performance.now() < stopAt) {
      const response = await client.request(Cmd.SESSION_CHECK, keys.next());
      count++;
      rets.set(response.ret, (rets.get(response.ret) ?? 0) + 1);
    }
  };
  try {
    // One check per client first, so connecting is not timed.
    await Promise.all(pool.map((client) => client.request(Cmd.SESSION_CHECK, keys.next())));
    const start = performance.now();
    stopAt = start + seconds * 1000;
    await Promise.all(pool.flatMap((client) => Array.from({ length: depth }, () => worker(client))));
    return { rate: count / ((performance.now() - start) / 1000), rets };
  } finally {
    await Promise.all(pool.map((client) => client.close()));
  }
}

/** Starts `command args`; resolves once a stdout line passes `ready` (JSON lines when `json`). */
async function startChild(command, args, ready, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))),
  );
  const found = (async () => {
    for await (const line of createInterface({ input: child.stdout })) {
      const entry = ready(line);
      if (entry) return entry;
    }
    throw new Error(`${command} ended its output before it was ready`);
  })();
  const entry = await Promise.race([found, exited]);
  child.stdout.resume(); // keep draining its log so it never blocks on a full pipe
  return { child, entry };
}

const listeningLine = (line) => {
  try {
    const entry = JSON.parse(line);
    return entry.msg === 'listening' ? entry.address : undefined;
  } catch {
    return undefined;
  }
};

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const range = (ratios) => `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
const retText = (m) => [...m].map(([ret, n]) => `${ret}:${fmt(n)}`).join(' ');

/** --via host:port: that address alone. */
async function measureVia(via) {
  const at = via.lastIndexOf(':');
  const [host, port] = [via.slice(0, at), Number(via.slice(at + 1))];
  if (at < 1 || !Number.isInteger(port) || port < 1 || port > 65535) fail(`--via ${via} is not host:port`);
  const desKey = option('--key') ?? process.env.PIC_SESSION_DES_KEY ?? DEV_DES_KEY;
  const keys = new SessionKeySource(desKey, { channel: process.pid & 0xffff });
  console.log(`session checks via ${via}: ${DEPTH} in flight per client, ${ROUNDS} runs of ${SECONDS} s`);
  console.log('clients   checks/s (median, range)            rets');
  for (const clients of CLIENTS) {
    await runLoad({ host, port, clients, seconds: SECONDS / 2, keys });
    const rates = [];
    const rets = new Map();
    for (let round = 0; round < ROUNDS; round++) {
      const result = await runLoad({ host, port, clients, seconds: SECONDS, keys });
      rates.push(result.rate);
      for (const [ret, n] of result.rets) rets.set(ret, (rets.get(ret) ?? 0) + n);
    }
    const spread = `${fmt(median(rates))} (${fmt(Math.min(...rates))}-${fmt(Math.max(...rates))})`;
    console.log(`${String(clients).padStart(7)}   ${spread.padEnd(33)}${retText(rets)}`);
  }
  writeSummary('session-check', { skipped: `--via ${via}: one address measured, nothing to compare it with` });
}

/** Memory counts against Redis counts, each server a process of its own. */
async function measureCounters() {
  const children = [];
  const dir = await mkdtemp(join(tmpdir(), 'session-check-bench-'));
  const cleanUp = async () => {
    for (const child of children.reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    const desKey = 'bench!K1';
    // Room for every key a long run issues: the memory table must not fill up and refuse (1005).
    await writeFile(
      join(dir, 'sess-check-svr.conf'),
      `port = 0\nmax_memory_keys = 10000000\nmax_checks = ${MAX_CHECKS}\n`,
    );
    const env = { ...process.env, PIC_CONF_DIR: dir, PIC_PORT: '0', PIC_SESSION_DES_KEY: desKey, LOG_LEVEL: 'info' };
    const servers = {};
    const memory = await startChild(process.execPath, appArgs('sess-check-svr'), listeningLine, {
      env: { ...env, PIC_REDIS_URL: '' },
    });
    children.push(memory.child);
    servers.memory = memory.entry;
    if (existsSync(REDIS_SERVER)) {
      const port = await freePort();
      const redis = await startChild(
        REDIS_SERVER,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        (line) => line.includes('Ready to accept connections'),
      );
      children.push(redis.child);
      const withRedis = await startChild(process.execPath, appArgs('sess-check-svr'), listeningLine, {
        env: { ...env, PIC_REDIS_URL: `redis://127.0.0.1:${port}` },
      });
      children.push(withRedis.child);
      servers.redis = withRedis.entry;
    } else {
      console.log(`(no ${REDIS_SERVER}: memory counts only)`);
    }
    const summary = [];
    const names = Object.keys(servers);
    const keys = Object.fromEntries(names.map((name, i) => [name, new SessionKeySource(desKey, { channel: i })]));
    console.log(
      `sess_check_svr, cmd 0x10B5, memory vs. Redis counts: ${DEPTH} in flight per client, ` +
        `${ROUNDS} rounds of ${SECONDS} s per server`,
    );
    console.log('clients   memory checks/s   redis checks/s   redis/memory (median, range)   rets (memory | redis)');
    for (const clients of CLIENTS) {
      const load = (name, seconds) => runLoad({ ...servers[name], clients, seconds, keys: keys[name] });
      for (const name of names) await load(name, SECONDS / 2); // warm-up: JIT, connections, Redis
      const rates = Object.fromEntries(names.map((name) => [name, []]));
      const rets = Object.fromEntries(names.map((name) => [name, new Map()]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of round % 2 === 0 ? names : [...names].reverse()) {
          const result = await load(name, SECONDS);
          rates[name].push(result.rate);
          for (const [ret, n] of result.rets) rets[name].set(ret, (rets[name].get(ret) ?? 0) + n);
        }
      }
      const ratios = rates.redis?.map((r, i) => r / rates.memory[i]) ?? [];
      console.log(
        `${String(clients).padStart(7)}   ${fmt(median(rates.memory)).padStart(15)}   ` +
          `${(rates.redis ? fmt(median(rates.redis)) : '-').padStart(14)}   ` +
          (ratios.length ? `${median(ratios).toFixed(2)} (${range(ratios)})` : '-').padEnd(31) +
          `${retText(rets.memory)} | ${rets.redis ? retText(rets.redis) : '-'}`,
      );
      if (ratios.length > 0) {
        summary.push(
          summaryRow({
            what: `session checks, counts in Redis, ${clients} client(s) x ${DEPTH} in flight`,
            ours: median(rates.redis),
            reference: median(rates.memory),
            referenceName: 'the same, counts in memory',
            unit: 'checks/s',
            ratio: median(ratios),
            range: rangeOf(ratios),
          }),
        );
      }
    }
    writeSummary('session-check', {
      rows: summary,
      skipped: servers.redis === undefined ? `no ${REDIS_SERVER}: nothing to compare memory counts with` : undefined,
    });
  } finally {
    await cleanUp();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const via = option('--via');
  if (via !== undefined) await measureVia(via);
  else await measureCounters();
}
