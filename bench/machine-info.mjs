// What bench/run-all.mjs says about the machine a run measured: CPU, cores, memory, load, node, the commit,
// and the versions of the reference systems the benches compare with (each asked with a time limit; a tool
// that is missing is said to be missing).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { findTool } from './front-processes.mjs';

const run = promisify(execFile);
/** A version query that takes longer than this is reported as unanswered. */
const QUERY_TIMEOUT_MS = 5_000;

/** The first line of `tool args` (stdout or stderr: varnishd -V and nginx -v print to stderr) matching `pattern`. */
async function versionLine(tool, args, pattern) {
  const path = findTool(tool);
  if (path === undefined) return `no ${tool}`;
  let text;
  try {
    const { stdout, stderr } = await run(path, args, { timeout: QUERY_TIMEOUT_MS });
    text = `${stdout}\n${stderr}`;
  } catch (e) {
    // Some tools (wrk -v, fdfs_test without arguments) print their version and exit non-zero.
    text = `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
  }
  const match = pattern.exec(text);
  return match === null ? `${tool}: version not found` : match[0].trim();
}

/** The version of the storages of the FastDFS at `tracker` (what its tracker reports), or why not. */
async function fastdfsServerVersion(root, tracker) {
  const dist = join(root, 'libs', 'fastdfs-client-ts', 'dist', 'index.js');
  if (!existsSync(dist)) return `FastDFS at ${tracker}: version not asked (no build)`;
  const { FdfsClient } = await import(pathToFileURL(dist).href);
  const client = new FdfsClient({ trackers: [tracker], connectTimeout: 3_000, networkTimeout: 5_000 });
  try {
    const versions = new Set();
    for (const { group } of await client.listGroups()) {
      for (const storage of await client.listStorages(group)) versions.add(storage.version);
    }
    return `FastDFS ${[...versions].join('/')} at ${tracker} (FDFS_TRACKER)`;
  } catch (e) {
    return `FastDFS at ${tracker}: no answer (${e.message})`;
  } finally {
    await client.close();
  }
}

/** The commit measured, with "+ local changes" when the working tree differs from it (read-only git). */
async function commitOf(root) {
  try {
    const { stdout } = await run('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, timeout: QUERY_TIMEOUT_MS });
    const dirty = await run('git', ['diff', '--quiet', 'HEAD', '--'], { cwd: root, timeout: QUERY_TIMEOUT_MS }).then(
      () => false,
      () => true,
    );
    return `${stdout.trim()}${dirty ? ' + local changes' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** The machine, the commit and the references' versions; `loadBefore` is the load average at the start. */
export async function machineInfo(root, loadBefore) {
  const references = await Promise.all([
    versionLine('varnishd', ['-V'], /varnish-[\d.]+/),
    versionLine('nginx', ['-v'], /nginx\/\S+/),
    versionLine('convert', ['-version'], /ImageMagick \S+( Q\d+)?/),
    versionLine('fdfs_test', [], /FastDFS client test program v\S+/),
    versionLine('wrk', ['-v'], /wrk \S+/),
    versionLine('redis-server', ['--version'], /v=\S+/),
  ]);
  // "FastDFS client test program v6.16.1" names the installed C client; "v=7.0.15" is redis-server's.
  references[3] = references[3].replace('FastDFS client test program', 'FastDFS C client');
  references[5] = references[5].replace(/^v=/, 'redis ');
  const tracker = process.env.FDFS_TRACKER;
  if (tracker) references.push(await fastdfsServerVersion(root, tracker));
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    loadBefore,
    loadAfter: loadavg(),
    commit: await commitOf(root),
    references,
  };
}

const loadText = (load) => load.map((l) => l.toFixed(2)).join(' ');

/** The machine as lines of text (the same lines go under the Markdown table). */
export function machineLines(machine) {
  return [
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM; ${machine.os}; ` +
      `node ${machine.node}`,
    `load average (1, 5, 15 min): ${loadText(machine.loadBefore)} before, ${loadText(machine.loadAfter)} after`,
    `references: ${machine.references.join('; ')}`,
    `commit: ${machine.commit}`,
  ];
}
