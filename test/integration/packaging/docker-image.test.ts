/**
 * The Docker image, tested without a container engine (none runs on our dev or CI machines): the
 * Dockerfile is replayed on this machine (test/helpers/docker-replay.ts: its COPYs with
 * .dockerignore, its npm steps, its users and folders), then its CMD runs as the container would
 * run it, with the image's ENV, as the image's user, and, when the test runs as root (CI does), as
 * PID 1 of its own PID namespace. What that shows: the build steps work from the build context
 * alone, the runtime stage holds what the stack needs and no build tools, the image's user can run
 * it and write /data, the HEALTHCHECK command reports it, its published ports take connections from
 * other addresses while the internal ones do not, and `docker stop` (SIGTERM to PID 1) stops it
 * cleanly. What it cannot show: that the node:20-bookworm-slim base and its apt packages behave as
 * this machine's do (docs/docker.md).
 *
 * The npm ci of the replay builds the native addons: about two minutes, once for the whole file.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfReader, parseConfText } from 'fastdfs-conf';
import { issueSessionKey } from '@pic-storage/session-key';
import { stackServices } from '../../../apps/stack/src/service-table.js';
import { readStackConf } from '../../../apps/stack/src/stack-conf.js';
import { durationMs } from '../../helpers/dockerfile.js';
import {
  IS_ROOT,
  PID_NAMESPACE,
  execInImage,
  replayBuild,
  runImage,
  type ReplayedImage,
  type RunningImage,
} from '../../helpers/docker-replay.js';
import { allPorts, portRefused, writeStackConf, type StackPorts } from '../../helpers/stack-conf.js';
import { quadrantPicture } from '../../helpers/test-pictures.js';
import { postUpload, uploadForm } from '../../helpers/upload-form.js';
import { REPO, listFiles } from './commands.js';

const BUILD_TIMEOUT_MS = 8 * 60_000;
/** What admin_proxy needs to open its port to other addresses in the image. */
const PROXY_BIND = 'admin_proxy takes PIC_BIND_ADDR: readFrameServerConf(conf, port, env, { publicListener: true })';
/** A key of our own, given as `docker run -e PIC_SESSION_DES_KEY=...` gives it. */
const DES_KEY = 'Dock3r!K';

let dir: string;
let image: ReplayedImage;
let ports: StackPorts;
let running: RunningImage | undefined;
/** The image's conf before the test mounts its own over it. */
let imageConf: Map<string, string>;

/** A non-loopback IPv4 address of this machine, if it has one. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

function shippedConf(file: string): ConfReader {
  return new ConfReader(parseConfText(readFileSync(join(REPO, 'conf', file), 'utf8'), file), file);
}

/** Runs the image's HEALTHCHECK command as Docker does, with its --timeout. */
function healthcheck(): Promise<{ code: number; stdout: string; stderr: string }> {
  const check = image.healthcheck;
  if (check === undefined) throw new Error('the image has no HEALTHCHECK');
  return execInImage(image, check.command, durationMs(check.options.timeout ?? '30s'));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-docker-image-'));
  image = await replayBuild(REPO, dir);
  const confDir = join(image.root, 'app', 'conf');
  imageConf = new Map((await listFiles(confDir)).map((f) => [f, readFileSync(join(confDir, f), 'utf8')]));
  // `docker run -v <conf>:/app/conf`: the stack on free ports, so that it runs beside anything else.
  await rm(confDir, { recursive: true });
  await mkdir(confDir, { mode: 0o755 });
  ports = await writeStackConf(confDir);
  running = await runImage(image, { PIC_SESSION_DES_KEY: DES_KEY });
  // Docker's start period: the health probe may fail until the stack is up.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = await healthcheck();
    if (result.code === 0) break;
    const ended = await Promise.race([running.exited, new Promise((r) => setTimeout(() => r(undefined), 500))]);
    if (ended !== undefined) throw new Error(`the image's CMD exited: ${JSON.stringify(ended)}\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`still unhealthy after 60 s: ${result.stderr}\n${running.output()}`);
  }
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  running?.kill();
  await running?.exited;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('the image, built by replaying the Dockerfile', () => {
  it('replays every step but the apt-get ones, and names the user, ports, volume and command', () => {
    expect(image.skipped.length).toBeGreaterThan(0);
    for (const step of image.skipped) expect(step).toMatch(/apt-get|apt's lists/);
    expect(image.user).toMatchObject({ name: 'pic', uid: 10001, gid: 10001 });
    expect(image.cmd).toEqual(['node', 'apps/stack/dist/main.js']);
    expect(image.stopSignal).toBe('SIGTERM');
    expect(image.env).toMatchObject({ PIC_CONF_DIR: '/app/conf', PIC_DATA_DIR: '/data', PIC_BIND_ADDR: '0.0.0.0' });
    expect(image.volumes).toEqual([image.env.PIC_DATA_DIR]);
    // The ports it publishes are those the shipped conf listens on.
    const frontPorts = readStackConf(shippedConf('stack.conf'), {}).frontPorts;
    expect(image.exposed).toEqual([...frontPorts, shippedConf('admin-proxy.conf').int('port', 1, 65535)]);
  });

  it('holds the built services, their native addons and the shipped conf, and no build tools', async () => {
    const app = join(image.root, 'app');
    const shipped = await listFiles(join(REPO, 'conf'));
    expect([...imageConf.keys()].sort()).toEqual(shipped.sort());
    for (const conf of shipped) expect(imageConf.get(conf), conf).toBe(readFileSync(join(REPO, 'conf', conf), 'utf8'));
    for (const name of readdirSync(join(REPO, 'apps'))) {
      if (statSync(join(REPO, 'apps', name, 'package.json'), { throwIfNoEntry: false }) === undefined) continue;
      expect(statSync(join(app, 'apps', name, 'dist', 'main.js')).isFile(), name).toBe(true);
    }
    expect(statSync(join(app, 'apps/stack/dist/healthcheck.js')).isFile()).toBe(true);
    const modules = await listFiles(join(app, 'node_modules'));
    expect(modules.some((f) => f.endsWith('better_sqlite3.node'))).toBe(true);
    expect((await listFiles(join(app, 'libs/tcp-quickack'))).some((f) => f.endsWith('tcp_quickack.node'))).toBe(true);
    // npm prune --omit=dev: no compiler, test runner or linter ships.
    for (const dev of ['typescript', 'vitest', 'eslint', 'prettier', 'playwright-core']) {
      expect(statSync(join(app, 'node_modules', dev), { throwIfNoEntry: false }), dev).toBeUndefined();
    }
    expect(statSync(join(app, 'test'), { throwIfNoEntry: false })).toBeUndefined();
  });
});

/** LISTEN sockets of this network namespace: port → addresses (/proc/net/tcp and tcp6). */
async function listeners(): Promise<Map<number, string[]>> {
  const found = new Map<number, string[]>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== '0A') continue; // TCP_LISTEN
      const [hex, portHex] = (fields[1] ?? '').split(':') as [string, string];
      const port = parseInt(portHex, 16);
      found.set(port, [...(found.get(port) ?? []), procAddress(hex)]);
    }
  }
  return found;
}

/** /proc/net's address: 32-bit words in host (little-endian) order. */
function procAddress(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  if (bytes.length === 4) return [...bytes].join('.');
  return bytes.every((b) => b === 0) ? '::' : bytes.toString('hex');
}

/** Uid and gid (real) of a process, and its pid inside its innermost PID namespace. */
async function processIds(pid: number): Promise<{ uid: number; gid: number; nsPid: number; ppid: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number[] =>
    (new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status)?.[1] ?? '').split(/\s+/).map(Number);
  return {
    uid: field('Uid')[0] as number,
    gid: field('Gid')[0] as number,
    nsPid: field('NSpid').at(-1) as number,
    ppid: field('PPid')[0] as number,
  };
}

async function childrenOf(parent: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    const ppid = await processIds(Number(entry)).then(
      (ids) => ids.ppid,
      () => -1,
    );
    if (ppid === parent) children.push(Number(entry));
  }
  return children;
}

describe('the image running', () => {
  it('reports healthy through its HEALTHCHECK command, naming both public listeners', async () => {
    const result = await healthcheck();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^healthy: front#1 127\\.0\\.0\\.1:${ports.front} GET /status 200`));
    expect(result.stdout).toContain(`admin-proxy 127.0.0.1:${ports.adminProxy} accepts connections`);
  });

  it.skipIf(!PID_NAMESPACE)('runs its CMD as PID 1 of its own PID namespace', async () => {
    expect((await processIds((running as RunningImage).pid)).nsPid).toBe(1);
  });

  it.skipIf(!IS_ROOT)('runs the supervisor and every service as the image user', async () => {
    const pid = (running as RunningImage).pid;
    const services = await childrenOf(pid);
    const conf = new ConfReader(parseConfText(await readFile(join(image.root, 'app/conf/stack.conf'), 'utf8')));
    expect(services.length).toBe(stackServices(readStackConf(conf, {})).length);
    for (const p of [pid, ...services]) {
      expect(await processIds(p), `pid ${p}`).toMatchObject({ uid: 10001, gid: 10001 });
    }
  });

  it('listens on every address for the front and admin_proxy only; the internal services stay on loopback', async () => {
    const listening = await listeners();
    expect(listening.get(ports.front)).toEqual(['0.0.0.0']);
    expect(listening.get(ports.adminProxy), PROXY_BIND).toEqual(['0.0.0.0']);
    const internal = allPorts(ports).filter((p) => p !== ports.front && p !== ports.adminProxy);
    for (const port of internal) expect(listening.get(port), `port ${port}`).toEqual(['127.0.0.1']);
  });

  it.skipIf(outside === undefined)(
    'answers on this machine’s own address, where the internal ports refuse',
    async () => {
      const host = outside as string;
      const status = await fetch(`http://${host}:${ports.front}/status`);
      expect(status.status).toBe(200);
      expect(((await status.json()) as { service: string }).service).toBe('front');
      expect(await portRefused(ports.adminProxy, host), PROXY_BIND).toBe(false);
      expect(await portRefused(ports.sessCheck, host)).toBe(true);
      expect(await portRefused(ports.tracker, host)).toBe(true);
    },
  );

  it('stores an upload under /data as the image user, and serves it back', async () => {
    const host = outside ?? '127.0.0.1';
    const url = `http://${host}:${ports.front}`;
    const picture = await quadrantPicture('png', 40, 30);
    const sessionKey = issueSessionKey({ uid: 7, albumid: 2 }, DES_KEY);
    const answer = await postUpload(url, uploadForm({ sessionKey, type: 'png', file: picture, fileName: 'a.png' }));
    expect(answer.status, answer.text).toBe(200);
    const fileId = answer.json.lloc as string;
    const download = await fetch(`${url}/download.fcgi/${fileId}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(picture)).toBe(true);
    const name = fileId.split('/').at(-1) as string;
    const stored = (await listFiles(join(image.root, 'data'))).find((f) => f.endsWith(`/${name}`));
    expect(stored, `${name} under /data`).toBeDefined();
    if (IS_ROOT) expect(statSync(join(image.root, 'data', stored as string)).uid).toBe(10001);
  });

  it('stops on SIGTERM to its CMD (docker stop): exit 0, every port closed, every process gone', async () => {
    const run = running as RunningImage;
    const services = await childrenOf(run.pid);
    expect(await run.stop()).toEqual({ code: 0, signal: null });
    for (const port of allPorts(ports)) expect(await portRefused(port, '127.0.0.1'), `port ${port}`).toBe(true);
    for (const pid of services)
      expect(
        await processIds(pid).then(
          () => 'alive',
          () => 'gone',
        ),
        `pid ${pid}`,
      ).toBe('gone');
    const after = await healthcheck();
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^unhealthy: front#1 .* FAILED GET \/status: ECONNREFUSED/);
  });
});
