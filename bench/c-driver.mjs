// The C-client side of the benchmark: builds bench/c/fdfs-bench.c against the installed FastDFS
// client library and runs it as one system of a cell (see the header of fdfs-bench.c).
import { Buffer } from 'node:buffer';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HEADERS = '/usr/include/fastdfs';

/**
 * Compiles the driver into bench/dist/ when its source is newer than the binary. Returns
 * `{ path }`, or `{ skip }` with one line saying why there is no C client on this machine.
 */
export function buildCDriver(root) {
  const source = join(root, 'bench', 'c', 'fdfs-bench.c');
  const binary = join(root, 'bench', 'dist', 'fdfs-bench');
  if (!existsSync(join(HEADERS, 'fdfs_client.h'))) {
    return { skip: `no FastDFS C client headers in ${HEADERS} (install FastDFS's client library to compare)` };
  }
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return { path: binary };
  mkdirSync(join(root, 'bench', 'dist'), { recursive: true });
  // The flags FastDFS builds its own client with: its structs depend on them. Built under a temporary
  // name and renamed, so that a bench starting meanwhile never runs a half-written binary.
  const temporary = `${binary}.${process.pid}`;
  const args = ['-O2', '-Wall', '-D_GNU_SOURCE', '-D_FILE_OFFSET_BITS=64', `-I${HEADERS}`, '-o', temporary, source];
  try {
    execFileSync(process.env.CC || 'cc', [...args, '-pthread', '-lfdfsclient', '-lfastcommon', '-lserverframe'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    renameSync(temporary, binary);
  } catch (e) {
    rmSync(temporary, { force: true });
    const why =
      e.code === 'ENOENT'
        ? `no C compiler (${process.env.CC || 'cc'})`
        : String(e.stderr).trim().split('\n').slice(-1)[0];
    return { skip: `cannot build bench/c/fdfs-bench.c: ${why}` };
  }
  return { path: binary };
}

/**
 * One C-client system in one cell. Each `run()` is one driver process of `seconds`; its rate counts
 * only the timed part. Downloads read files that `Client` (fastdfs-client-ts) uploads once per
 * cell, like the JS session does, and deletes at `close()`, `setupConcurrency` at a time with `pool`.
 * A run interrupted by SIGINT (Ctrl-C reaches the driver too) ends early and still deletes its files.
 */
export async function openCSession({ driver, tracker, Client }, op, size, concurrency, options) {
  const { seconds, files, setupConcurrency, pool } = options;
  const dir = await mkdtemp(join(tmpdir(), 'fdfs-bench-c-'));
  const idsFile = join(dir, 'file-ids');
  const client = new Client({ trackers: [tracker], pool: { maxSize: setupConcurrency } });
  const ids = [];
  const cleanUp = async () => {
    try {
      await pool(setupConcurrency, (i) => client.delete(ids[i]), { count: ids.length, cleanup: true });
    } finally {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    if (op === 'download') {
      const body = Buffer.alloc(size, 0x5a);
      await pool(setupConcurrency, async () => ids.push(await client.upload(body, { ext: 'bin' })), { count: files });
      await writeFile(idsFile, ids.join('\n') + '\n');
    }
  } catch (e) {
    await cleanUp();
    throw e;
  }
  const args = ['--tracker', tracker, '--op', op, '--size', String(size), '--concurrency', String(concurrency)];
  if (op === 'download') args.push('--file-ids', idsFile);
  return {
    run: async () => {
      // Generous: the driver's own timeouts (connect 5 s, network 30 s) end a stuck run first.
      const { stdout } = await run(driver, [...args, '--seconds', String(seconds)], {
        timeout: (seconds + 120) * 1000,
      }).catch((e) => {
        throw new Error(`C driver failed: ${String(e.stderr || e.message).trim()}`);
      });
      const result = JSON.parse(stdout.trim().split('\n').pop());
      return result.ops / result.seconds;
    },
    close: cleanUp,
  };
}
