#!/usr/bin/env node
// Session checks/s (cmd 0x10B5) through admin_proxy against straight to sess_check_svr, the same
// sess_check_svr (memory counts), side by side. Target: proxied >= 0.7 x straight. A benchmark, not
// a test: it prints medians and ratios, never fails on them.
//
//   npx tsc -b && node bench/session-check-proxy.bench.mjs
//
// Processes, as in production: sess_check_svr and admin_proxy (their dist/main.js with the node options
// `npm start` gives each, confs in a temp
// dir, free ports), and this process as the clients (runLoad of session-check.bench.mjs: one
// FrameClient per client, BENCH_DEPTH checks in flight each, every key used its 30 checks). The
// two paths run alternately (straight proxied proxied straight ...) after a warm-up of each; per
// cell the median checks/s of each path and the median of the paired ratios with their range.
//
//   BENCH_CLIENTS=1,16   BENCH_DEPTH=16   BENCH_ROUNDS=5   BENCH_SECONDS=2
//   BENCH_PIN=1          sess_check_svr on the last CPU and admin_proxy on the first (taskset -a -p),
//                        the load free: what CPU affinity (systemd CPUAffinity=) gives on a small host.
//                        Off by default: the stack pins nothing (docs/services/admin-proxy.md)
//   --quick              3 rounds of 1 s unless BENCH_ROUNDS / BENCH_SECONDS say otherwise
//   --json <file>        also writes the ratios there (bench/README.md, "The summary file")
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_DES_KEY } from '@pic-storage/session-key';
import { runLoad, SessionKeySource } from './session-check.bench.mjs';
import { appArgs, byMode, freePort, median, rangeOf, stopChild, summaryRow, writeSummary } from './bench-kit.mjs';

const numbers = (value, fallback) => (value || fallback).split(',').map(Number);
const CLIENTS = numbers(process.env.BENCH_CLIENTS, '1,16');
const ROUNDS = Number(process.env.BENCH_ROUNDS || byMode(5, 3));
const SECONDS = Number(process.env.BENCH_SECONDS || byMode(2, 1));
const DEPTH = Number(process.env.BENCH_DEPTH || 16);
const PIN = process.env.BENCH_PIN === '1';
const TARGET = 0.7;

/** Starts an app's dist/main.js with PIC_CONF_DIR=dir; resolves once `port` accepts connections. */
async function startApp(app, dir, port) {
  const child = spawn(process.execPath, appArgs(app), {
    env: { ...process.env, PIC_CONF_DIR: dir, PIC_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${app} exited with ${code}`))),
  );
  await Promise.race([exited, waitFor(port)]);
  return child;
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'session-check-proxy-bench-'));
  const [svrPort, proxyPort] = [await freePort(), await freePort()];
  await writeFile(join(dir, 'sess-check-svr.conf'), `port = ${svrPort}\nmax_memory_keys = 1000000\n`);
  await writeFile(join(dir, 'admin-proxy.conf'), `port = ${proxyPort}\nroute = 0x10B5 127.0.0.1:${svrPort}\n`);
  const children = [];
  try {
    children.push(await startApp('sess-check-svr', dir, svrPort));
    children.push(await startApp('admin-proxy', dir, proxyPort));
    const pinned = PIN ? pinApart(children[0], children[1]) : '';
    const keys = new SessionKeySource(DEV_DES_KEY, { channel: process.pid & 0xffff });
    const paths = { straight: svrPort, proxied: proxyPort };
    const title = `session checks, admin_proxy vs. straight to sess_check_svr (memory counts)${pinned}`;
    console.log(`${title}; ${ROUNDS} rounds of ${SECONDS} s, target ${TARGET}`);
    console.log('clients   straight/s   proxied/s   ratio (median, range)   rets (straight | proxied)');
    const summary = [];
    for (const clients of CLIENTS) {
      const rates = { straight: [], proxied: [] };
      const rets = { straight: new Map(), proxied: new Map() };
      for (const port of Object.values(paths)) await runLoad({ host: '127.0.0.1', port, clients, seconds: 0.5, keys });
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? ['straight', 'proxied'] : ['proxied', 'straight'];
        for (const path of order) {
          const result = await runLoad({ host: '127.0.0.1', port: paths[path], clients, seconds: SECONDS, keys });
          rates[path].push(result.rate);
          for (const [ret, n] of result.rets) rets[path].set(ret, (rets[path].get(ret) ?? 0) + n);
        }
      }
      const ratios = rates.proxied.map((rate, i) => rate / rates.straight[i]);
      const ratio = median(ratios);
      const retText = (m) => [...m].map(([ret, n]) => `${ret}:${fmt(n)}`).join(' ');
      const spread = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
      const cells = [
        String(clients).padStart(7),
        fmt(median(rates.straight)).padStart(10),
        fmt(median(rates.proxied)).padStart(9),
        `${ratio.toFixed(2)} (${spread}) ${ratio >= TARGET ? 'pass ' : 'short'}`,
        `${retText(rets.straight)} | ${retText(rets.proxied)}`,
      ];
      console.log(cells.join('   '));
      summary.push(
        summaryRow({
          what: `session checks through admin_proxy, ${clients} client(s) x ${DEPTH} in flight${pinned}`,
          ours: median(rates.proxied),
          reference: median(rates.straight),
          referenceName: 'straight to sess_check_svr',
          unit: 'checks/s',
          ratio,
          range: rangeOf(ratios),
          goal: TARGET,
        }),
      );
    }
    writeSummary('session-check-proxy', { rows: summary });
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  }
}

/** sess_check_svr's threads on the last CPU, admin_proxy's on the first; returns the label for the output. */
function pinApart(svr, proxy) {
  const last = availableParallelism() - 1;
  if (last === 0) throw new Error('BENCH_PIN needs at least 2 CPUs');
  execFileSync('taskset', ['-a', '-p', '-c', String(last), String(svr.pid)], { stdio: 'ignore' });
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(proxy.pid)], { stdio: 'ignore' });
  return `, pinned: sess_check_svr on CPU ${last}, admin_proxy on CPU 0`;
}

async function waitFor(port) {
  for (let i = 0; i < 200; i++) {
    if (await accepts(port)) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

await main();
