/**
 * The FastDFS image of docker-compose.yml (docker/fastdfs), without a container engine: its
 * tracker.conf and storage.conf, run by its entrypoint, with the FastDFS 6.16.1 daemons installed on
 * this machine, as compose runs them: one tracker and two storages of group1. Only what a container
 * changes is changed: each service gets its own loopback address (127.0.77.x, as each container has
 * its own), free ports, and folders in a temp dir instead of /var/fdfs; and a storage makes 4×4
 * sub-folders instead of 256×256, which alone would take most of the test's time. That shows the conf files
 * are ones FastDFS 6.16.1 accepts, that the two storages join one group and copy each other's
 * files, and that the entrypoint runs the daemon in its own place (as PID 1 in a container), logs to
 * stderr, stops on SIGTERM, and starts again over a stale pid file. The image's build (downloads
 * from GitHub) is not run here.
 *
 * Skipped where fdfs_trackerd and fdfs_storaged are not installed (they are not part of this repo).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FdfsClient } from 'fastdfs-client-ts';
import { StorageStatus } from 'fastdfs-protocol';
import { C_TOOLS_DIR } from '../../helpers/c-tools.js';
import { REPO } from './commands.js';

const hasDaemons = ['fdfs_trackerd', 'fdfs_storaged'].every((d) => existsSync(join(C_TOOLS_DIR, d)));
const FASTDFS_DIR = join(REPO, 'docker/fastdfs');
const ENTRYPOINT = join(FASTDFS_DIR, 'entrypoint.sh');
const WAIT_MS = 60_000;

/** Each service's address, as each container has its own (a storage refuses a 127.0.0.1 tracker). */
const HOSTS = { tracker: '127.0.77.1', storage1: '127.0.77.2', storage2: '127.0.77.3' } as const;
type Service = keyof typeof HOSTS;

interface Daemon {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let dir: string;
let trackerPort: number;
let storagePort: number;
const daemons = new Map<Service, Daemon>();
let client: FdfsClient;

/** A port free on every address given (the two storages of a group share one port). */
async function freePort(hosts: string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(
      hosts.map(
        (host) =>
          new Promise<boolean>((resolve) => {
            const server = createServer();
            server.once('error', () => resolve(false));
            server.listen(port, host, () => server.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
  }
  throw new Error(`no port free on ${hosts.join(', ')}`);
}

/** `text` with the one line `line` replaced: a conf that no longer has it fails the test. */
function replaceLine(text: string, line: string, replacement: string): string {
  const lines = text.split('\n');
  const at = lines.filter((l) => l === line).length;
  if (at !== 1) throw new Error(`expected the line "${line}" once in the conf, found it ${at} times`);
  return lines.map((l) => (l === line ? replacement : l)).join('\n');
}

/** The service's conf as its container reads it, but for address, ports and folders. */
async function writeConf(service: Service): Promise<string> {
  const confDir = join(dir, `${service}-conf`);
  await mkdir(confDir, { recursive: true });
  const role = service === 'tracker' ? 'tracker' : 'storage';
  let text = readFileSync(join(FASTDFS_DIR, `${role}.conf`), 'utf8');
  text = replaceLine(text, 'bind_addr =', `bind_addr = ${HOSTS[service]}`);
  if (role === 'tracker') {
    text = replaceLine(text, 'port = 22122', `port = ${trackerPort}`);
    text = replaceLine(text, 'base_path = /var/fdfs', `base_path = ${join(dir, service)}`);
  } else {
    text = replaceLine(text, 'port = 23000', `port = ${storagePort}`);
    text = replaceLine(text, 'base_path = /var/fdfs/base', `base_path = ${join(dir, service, 'base')}`);
    text = replaceLine(text, 'store_path0 = /var/fdfs/store', `store_path0 = ${join(dir, service, 'store')}`);
    text = replaceLine(text, 'tracker_server = tracker:22122', `tracker_server = ${HOSTS.tracker}:${trackerPort}`);
    // A storage's first start makes subdir_count_per_path² folders: 65,536 take many seconds here.
    text = replaceLine(text, 'subdir_count_per_path = 256', 'subdir_count_per_path = 4');
  }
  await writeFile(join(confDir, `${role}.conf`), text);
  return confDir;
}

/** The image's entrypoint with the service's command (`tracker` / `storage`), as its container starts. */
async function start(service: Service): Promise<Daemon> {
  const role = service === 'tracker' ? 'tracker' : 'storage';
  const daemon = await startWith(
    join(dir, `${service}-conf`),
    role,
    HOSTS[service],
    role === 'tracker' ? trackerPort : storagePort,
  );
  daemons.set(service, daemon);
  return daemon;
}

/** The entrypoint with FDFS_CONF_DIR = `confDir`, once the daemon listens on `host:port`. */
async function startWith(confDir: string, role: 'tracker' | 'storage', host: string, port: number): Promise<Daemon> {
  const child = spawn('sh', [ENTRYPOINT, role], {
    env: { PATH: `${C_TOOLS_DIR}:/usr/bin:/bin`, FDFS_CONF_DIR: confDir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-100_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const daemon = { child, stderr: () => stderr, exited };
  try {
    await waitFor(`${role} listening on ${host}:${port}`, () => accepts(host, port), daemon);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return daemon;
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

async function waitFor(what: string, done: () => Promise<boolean>, daemon?: Daemon): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await done())) {
    if (daemon !== undefined && daemon.child.exitCode !== null) {
      throw new Error(`exited (${daemon.child.exitCode}) before ${what}:\n${daemon.stderr()}`);
    }
    if (Date.now() > deadline) throw new Error(`still waiting after ${WAIT_MS} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** docker stop: SIGTERM to the container's PID 1, which the entrypoint made the daemon. */
async function stop(service: Service): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const daemon = daemons.get(service) as Daemon;
  daemon.child.kill('SIGTERM');
  const ended = await daemon.exited;
  daemons.delete(service);
  return ended;
}

/** The `tail` processes whose parent is `pid` (the entrypoint's log copier, after exec). */
async function tailsOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    if (new RegExp(`^PPid:\\s+${pid}$`, 'm').test(status) && /^Name:\s+tail$/m.test(status)) found.push(Number(entry));
  }
  return found;
}

describe.skipIf(!hasDaemons)('the FastDFS image: its conf files and entrypoint, with FastDFS 6.16.1', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pic-docker-fastdfs-'));
    trackerPort = await freePort([HOSTS.tracker]);
    storagePort = await freePort([HOSTS.storage1, HOSTS.storage2]);
    for (const service of Object.keys(HOSTS) as Service[]) await writeConf(service);
    await start('tracker');
    await start('storage1');
    await start('storage2');
    client = new FdfsClient({ trackers: [`${HOSTS.tracker}:${trackerPort}`], connectTimeout: 5_000 });
  }, 2 * WAIT_MS);

  afterAll(async () => {
    await client?.close();
    for (const daemon of daemons.values()) daemon.child.kill('SIGKILL');
    await Promise.all([...daemons.values()].map((d) => d.exited));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('runs each daemon in place of the entrypoint shell, logging to stderr', async () => {
    for (const [service, daemon] of daemons) {
      const comm = (await readFile(`/proc/${daemon.child.pid}/comm`, 'utf8')).trim();
      expect(comm, service).toBe(service === 'tracker' ? 'fdfs_trackerd' : 'fdfs_storaged');
    }
    // FastDFS's own log lines (base_path/logs/<role>d.log) arrive on the daemon's stderr.
    await waitFor('the tracker log on stderr', async () => /base_path=/.test(daemons.get('tracker')?.stderr() ?? ''));
    await waitFor('a storage log on stderr', async () =>
      /group_name=group1/.test(daemons.get('storage1')?.stderr() ?? ''),
    );
  });

  it(
    'forms one group of two active storages, known to the tracker by their own addresses',
    { timeout: WAIT_MS + 5_000 },
    async () => {
      let storages: Awaited<ReturnType<FdfsClient['listStorages']>> = [];
      await waitFor('both storages ACTIVE in group1', async () => {
        storages = await client.listStorages('group1').catch(() => []);
        return storages.length === 2 && storages.every((s) => s.status === StorageStatus.ACTIVE);
      });
      expect(storages.map((s) => s.ip).sort()).toEqual([HOSTS.storage1, HOSTS.storage2]);
      expect(storages.map((s) => s.storagePort)).toEqual([storagePort, storagePort]);
      expect(storages.every((s) => s.version === '6.16.1')).toBe(true);
    },
  );

  it('copies an upload to the other storage of the group', { timeout: WAIT_MS + 5_000 }, async () => {
    const content = Buffer.from(`docker-compose group check ${Date.now()}`);
    const fileId = await client.upload(content, { ext: 'txt' });
    expect(fileId.startsWith('group1/M00/')).toBe(true);
    // group1/M00/XX/YY/name is <store_path0>/data/XX/YY/name on each storage that holds it.
    const path = fileId.split('/').slice(2).join('/');
    const holders = (): string[] =>
      (['storage1', 'storage2'] as const).filter((s) => existsSync(join(dir, s, 'store', 'data', path)));
    await waitFor(`${path} on both storages`, async () => holders().length === 2);
    expect(await client.download(fileId)).toEqual(content);
  });

  it('starts over a pid file that names a live daemon of its kind, as a recreated container finds', async () => {
    // In a container the daemon is PID 1, so the next container's daemon (PID 1 again) finds its own
    // pid in the file the last one left in the volume, and FastDFS's `start` refuses ("already
    // running", exit 17) unless the entrypoint removes it. Here: a second tracker whose pid file
    // names the running one.
    const again = join(dir, 'tracker-again');
    const port = await freePort([HOSTS.tracker]);
    let text = readFileSync(join(dir, 'tracker-conf', 'tracker.conf'), 'utf8');
    text = replaceLine(text, `port = ${trackerPort}`, `port = ${port}`);
    text = replaceLine(text, `base_path = ${join(dir, 'tracker')}`, `base_path = ${again}`);
    await mkdir(join(again, 'data'), { recursive: true });
    await writeFile(join(again, 'data', 'fdfs_trackerd.pid'), `${daemons.get('tracker')?.child.pid}\n`);
    await mkdir(join(dir, 'tracker-again-conf'));
    await writeFile(join(dir, 'tracker-again-conf', 'tracker.conf'), text);
    const second = await startWith(join(dir, 'tracker-again-conf'), 'tracker', HOSTS.tracker, port);
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });

  it(
    'stops on SIGTERM (docker stop), the copy of its log to stderr with it',
    { timeout: WAIT_MS + 5_000 },
    async () => {
      const tails = (await Promise.all([...daemons.values()].map((d) => tailsOf(d.child.pid as number)))).flat();
      expect(tails.length).toBe(3);
      for (const service of ['storage2', 'storage1', 'tracker'] as const) {
        expect(await stop(service), service).toEqual({ code: 0, signal: null });
      }
      expect(await accepts(HOSTS.tracker, trackerPort)).toBe(false);
      // tail --pid looks once a second whether its daemon is still there.
      await waitFor('every tail gone', async () => tails.every((pid) => !existsSync(`/proc/${pid}`)));
    },
  );

  it('refuses a command that is not tracker or storage, with a usage line', async () => {
    const child = spawn('sh', [ENTRYPOINT, 'monitor'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(64);
    expect(stderr).toContain('usage: fdfs-entrypoint tracker|storage');
  });
});
