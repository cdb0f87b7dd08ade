/**
 * docker-compose.yml, validated without a container engine. `docker-compose config -q` checks it
 * against the compose schema (and its variables); the rest checks what no schema can: that its
 * services agree with each other, with the FastDFS image's conf (docker/fastdfs) and with the
 * pic-storage image and conf, and that every file it and the Dockerfiles take from the repository
 * is there. Running it needs Docker and GitHub (the FastDFS image builds from source): docs/docker.md.
 *
 * The CLI check runs wherever docker-compose is installed; in CI (CI set) a missing docker-compose
 * fails it (.ci/run installs it); elsewhere it is skipped, saying so.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfReader, parseConfText } from 'fastdfs-conf';
import { readStackConf } from '../../../apps/stack/src/stack-conf.js';
import {
  copyArgs,
  dockerignore,
  envPairs,
  healthcheck,
  parseInstructions,
  parseStages,
  type Instruction,
} from '../../helpers/dockerfile.js';
import { REPO, cleanEnv } from './commands.js';

interface ComposeService {
  build?: string | { context: string; dockerfile?: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')) as ComposeFile;
const services = compose.services;
const FASTDFS_SERVICES = ['tracker', 'storage1', 'storage2'] as const;

function conf(path: string): ConfReader {
  return new ConfReader(parseConfText(readFileSync(join(REPO, path), 'utf8'), path), path);
}

/** The instructions of the Dockerfile in `context`. */
function dockerfile(context: string): Instruction[] {
  return parseInstructions(readFileSync(join(REPO, context, 'Dockerfile'), 'utf8'));
}

function buildContext(service: ComposeService): string | undefined {
  return typeof service.build === 'string' ? service.build : service.build?.context;
}

/** `host:port` split; the port as a number. */
function hostPort(value: string): { host: string; port: number } {
  const m = /^([^:]+):(\d+)$/.exec(value);
  if (m === null) throw new Error(`not host:port: ${value}`);
  return { host: m[1] as string, port: Number(m[2]) };
}

describe('docker-compose.yml: FastDFS (one tracker, two storages of one group) and Redis', () => {
  it('runs the tracker and two storages from the one FastDFS image, each with a volume and a health check', () => {
    for (const name of FASTDFS_SERVICES) {
      const service = services[name] as ComposeService;
      expect(service, name).toBeDefined();
      expect(buildContext(service), name).toBe('docker/fastdfs');
      expect(service.image, name).toBe(services.tracker?.image);
      expect(service.command, name).toEqual([name === 'tracker' ? 'tracker' : 'storage']);
      expect(service.volumes?.length, name).toBe(1);
      expect(service.healthcheck, name).toBeDefined();
    }
    // One volume each: a storage's files are not shared with the other, they are copied to it.
    const volumes = FASTDFS_SERVICES.map((name) => services[name]?.volumes?.[0]?.split(':')[0]);
    expect(new Set(volumes).size).toBe(3);
  });

  it('puts both storages in one group and points them at the tracker service and its port', () => {
    const tracker = conf('docker/fastdfs/tracker.conf');
    const storage = conf('docker/fastdfs/storage.conf');
    // Both storage services read this one file (the image's /etc/fdfs/storage.conf).
    expect(storage.string('group_name')).toBe('group1');
    expect(storage.all('tracker_server')).toEqual([`tracker:${tracker.int('port', 1, 65535)}`]);
    // The health checks probe the ports the confs listen on.
    expect(services.tracker?.healthcheck?.test.join(' ')).toContain(`/dev/tcp/127.0.0.1/${tracker.string('port')}`);
    for (const name of ['storage1', 'storage2']) {
      expect(services[name]?.healthcheck?.test.join(' '), name).toContain(
        `/dev/tcp/127.0.0.1/${storage.string('port')}`,
      );
    }
    // FastDFS's work threads need a larger stack than a small default.
    for (const c of [tracker, storage])
      expect(c.size('thread_stack_size', 0, 1 << 30)).toBeGreaterThanOrEqual(320 * 1024);
    // The front's own delay for files not yet copied is FastDFS's.
    expect(tracker.int('storage_sync_file_max_delay', 0, 1e9)).toBe(
      conf('conf/front.conf').int('storage_sync_file_max_delay', 0, 1e9),
    );
  });

  it('runs Redis 7 with its data in a volume, checked by redis-cli', () => {
    expect(services.redis?.image).toMatch(/^redis:7-alpine$/);
    expect(services.redis?.volumes).toEqual(['redis-data:/data']);
    expect(services.redis?.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });
});

describe('docker-compose.yml: pic-storage', () => {
  const pic = services['pic-storage'] as ComposeService;
  const env = pic.environment ?? {};
  const image = parseStages(readFileSync(join(REPO, 'Dockerfile'), 'utf8')).at(-1)?.instructions ?? [];
  const imageEnv = Object.fromEntries(image.filter((i) => i.op === 'ENV').flatMap(envPairs));

  it('is built from the repository and reaches the tracker and Redis by their service names', () => {
    expect(buildContext(pic)).toBe('.');
    const tracker = hostPort(env.PIC_TRACKER_SERVER ?? '');
    expect(services[tracker.host], 'PIC_TRACKER_SERVER names a service').toBe(services.tracker);
    expect(tracker.port).toBe(conf('docker/fastdfs/tracker.conf').int('port', 1, 65535));
    const redis = new URL(env.PIC_REDIS_URL ?? '');
    expect(redis.protocol).toBe('redis:');
    expect(services[redis.hostname], 'PIC_REDIS_URL names a service').toBe(services.redis);
    expect(redis.port).toBe('6379');
    expect(env.PIC_SESSION_DES_KEY).toMatch(/^\$\{PIC_SESSION_DES_KEY:\?/);
    expect(env).toHaveProperty('PIC_PURGE_SECRET');
  });

  it('starts no embedded FastDFS, since a tracker is named', () => {
    const stack = readStackConf(conf('conf/stack.conf'), { ...imageEnv, ...env });
    expect(stack.embeddedFdfs).toBe(false);
  });

  it('publishes the ports the shipped conf listens on, which the image exposes, on every address', () => {
    const front = readStackConf(conf('conf/stack.conf'), {}).frontPorts;
    const adminProxy = conf('conf/admin-proxy.conf').int('port', 1, 65535) as number;
    const expected = [...front, adminProxy];
    expect(pic.ports).toEqual(expected.map((p) => `${p}:${p}`));
    const exposed = image.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map(Number));
    expect(exposed).toEqual(expected);
    // The conf keeps loopback; the image's PIC_BIND_ADDR opens the two public listeners.
    expect(imageEnv.PIC_BIND_ADDR).toBe('0.0.0.0');
  });

  it('keeps the data dir in a volume, checks health with the image’s command, and waits for its backends', () => {
    expect(pic.volumes).toEqual([`pic-data:${imageEnv.PIC_DATA_DIR}`]);
    const check = image.find((i) => i.op === 'HEALTHCHECK') as Instruction;
    expect(pic.healthcheck?.test).toEqual(['CMD', ...healthcheck(check).command]);
    for (const [name, { condition }] of Object.entries(pic.depends_on ?? {})) {
      expect(condition, name).toBe('service_healthy');
      expect(services[name]?.healthcheck, name).toBeDefined();
    }
    expect(Object.keys(pic.depends_on ?? {}).sort()).toEqual(['redis', 'storage1', 'storage2']);
  });
});

describe('the files the compose file and the Dockerfiles take from the repository', () => {
  it('declares every named volume it mounts, and every path it mounts or builds exists', () => {
    for (const [name, service] of Object.entries(services)) {
      const context = buildContext(service);
      if (context !== undefined) expect(existsSync(join(REPO, context, 'Dockerfile')), `${name} build`).toBe(true);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (/^[./]/.test(source)) expect(existsSync(join(REPO, source)), `${name}: ${source}`).toBe(true);
        else expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
      }
    }
  });

  for (const context of ['.', 'docker/fastdfs']) {
    it(`finds every COPY source of ${context}/Dockerfile in its build context`, () => {
      const ignored = existsSync(join(REPO, context, '.dockerignore'))
        ? dockerignore(readFileSync(join(REPO, context, '.dockerignore'), 'utf8'))
        : () => false;
      const copies = dockerfile(context)
        .filter((i) => i.op === 'COPY')
        .map(copyArgs);
      const fromContext = copies.filter((c) => c.from === undefined).flatMap((c) => c.sources);
      expect(fromContext.length).toBeGreaterThan(0);
      for (const source of fromContext) {
        expect(existsSync(join(REPO, context, source)), source).toBe(true);
        expect(ignored(source.replace(/^\.\//, '')), `${source} is left out by .dockerignore`).toBe(false);
      }
    });
  }

  it('ships an executable entrypoint, and builds FastDFS from pinned commits', () => {
    expect(statSync(join(REPO, 'docker/fastdfs/entrypoint.sh')).mode & 0o111).not.toBe(0);
    const args = Object.fromEntries(
      dockerfile('docker/fastdfs')
        .filter((i) => i.op === 'ARG')
        .map((i) => i.args.split('=') as [string, string]),
    );
    for (const name of ['LIBFASTCOMMON_COMMIT', 'LIBSERVERFRAME_COMMIT', 'FASTDFS_COMMIT']) {
      expect(args[name], name).toMatch(/^[0-9a-f]{40}$/);
    }
  });
});

/** docker-compose on the PATH, if any. */
const composeBin = (process.env.PATH ?? '')
  .split(delimiter)
  .map((dir) => join(dir, 'docker-compose'))
  .find((path) => existsSync(path));

function runCompose(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const bin = composeBin as string;
    execFile(
      bin,
      ['-f', 'docker-compose.yml', 'config', '-q'],
      { cwd: REPO, env, timeout: 30_000 },
      (err, _out, stderr) => {
        if (err !== null && typeof err.code !== 'number') reject(err);
        else resolve({ code: err === null ? 0 : (err.code as number), stderr });
      },
    );
  });
}

describe.skipIf(composeBin === undefined && !process.env.CI)(
  'docker-compose config (skipped outside CI where docker-compose is not installed)',
  () => {
    it('accepts the file, given the DES key it requires', async () => {
      if (composeBin === undefined) throw new Error('docker-compose is not installed (.ci/run installs it in CI)');
      const env = { ...cleanEnv(), PIC_SESSION_DES_KEY: 'Dock3r!K' };
      expect(await runCompose(env)).toEqual({ code: 0, stderr: '' });
    });

    it('refuses to run without PIC_SESSION_DES_KEY, naming it', async () => {
      if (composeBin === undefined) throw new Error('docker-compose is not installed (.ci/run installs it in CI)');
      const env = cleanEnv();
      delete env.PIC_SESSION_DES_KEY;
      const result = await runCompose(env);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('set PIC_SESSION_DES_KEY');
    });
  },
);
