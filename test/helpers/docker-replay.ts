/**
 * The Dockerfile replayed on this machine, for the image test: no container engine runs here (nor
 * in CI), so the build's own steps are run on the host, stage by stage, each stage in a folder that
 * stands for its `/`:
 *
 *   - COPY from the build context honours .dockerignore; COPY --from=<stage> copies between folders;
 *   - RUN: `npm ...` runs in the stage's WORKDIR (ci and install with --prefer-offline, to use the
 *     npm cache this machine already has); apt-get lines are skipped (the host has the compilers);
 *     groupadd/useradd record the image's user, mkdir/chown act inside the stage's folder;
 *     anything else is an error, so a new step cannot be silently left out;
 *   - ENV, WORKDIR, USER, VOLUME, EXPOSE, STOPSIGNAL, HEALTHCHECK and CMD make the image's config.
 *
 * `runImage` then starts CMD as `docker run` would: in WORKDIR with the image's ENV (absolute paths
 * mapped into the folder), and, when this process is root, under the image's uid and gid
 * (setpriv) and as PID 1 of a new PID namespace (unshare, where the kernel allows it), so that
 * file permissions and signal handling are those of the container. Not replayed: the base image
 * (the host's node and libc stand for node:20-bookworm-slim), the network and mount namespaces,
 * and the apt-get packages.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, posix, relative } from 'node:path';
import { cleanEnv } from '../integration/packaging/commands.js';
import {
  copyArgs,
  dockerignore,
  envPairs,
  execForm,
  healthcheck,
  parseStages,
  type Healthcheck,
  type Instruction,
} from './dockerfile.js';

export const IS_ROOT = process.getuid?.() === 0;
/** Whether CMD can run as PID 1 of its own PID namespace: root, where the kernel lets it (not in every container). */
export const PID_NAMESPACE = IS_ROOT && spawnSync('unshare', ['--pid', '--fork', 'true']).status === 0;

export interface ImageUser {
  name: string;
  uid: number;
  gid: number;
  /** useradd --home-dir: the HOME of the image's processes. */
  home: string;
}

export interface ReplayedImage {
  /** The folder standing for the image's `/`. */
  root: string;
  /** Image paths (`/app`), as the Dockerfile writes them. */
  workdir: string;
  env: Record<string, string>;
  user: ImageUser | undefined;
  cmd: string[];
  healthcheck: Healthcheck | undefined;
  exposed: number[];
  volumes: string[];
  stopSignal: NodeJS.Signals;
  /** The steps not replayed, each with its line, for the test's log. */
  skipped: string[];
}

/** A stage as it is replayed: what the image will be, under the stage's name. */
type StageState = Omit<ReplayedImage, 'skipped'> & { name: string };

/** npm ci in a fresh folder builds native addons: minutes on a busy machine, not hours. */
const NPM_TIMEOUT_MS = 6 * 60_000;

/** Replays `<context>/Dockerfile` into `dir`; the image is its last stage. */
export async function replayBuild(context: string, dir: string): Promise<ReplayedImage> {
  const stages = parseStages(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  const ignored = dockerignore(await readFile(join(context, '.dockerignore'), 'utf8').catch(() => ''));
  const done = new Map<string, StageState>();
  const users = new Map<string, ImageUser>();
  const groups = new Map<string, number>();
  const skipped: string[] = [];
  // The image's user must be able to reach its files, as in a container's `/`.
  if (IS_ROOT) await chmod(dir, 0o755);
  let last: StageState | undefined;
  for (const [index, stage] of stages.entries()) {
    const from = done.get(stage.from);
    const state: StageState = from
      ? { ...structuredClone(from), name: stage.name, root: join(dir, `stage-${index}`) }
      : {
          name: stage.name,
          root: join(dir, `stage-${index}`),
          workdir: '/',
          env: {},
          user: undefined,
          cmd: [],
          healthcheck: undefined,
          exposed: [],
          volumes: [],
          stopSignal: 'SIGTERM',
        };
    await mkdir(state.root, { recursive: true, mode: 0o755 });
    if (from !== undefined) await cp(from.root, state.root, { recursive: true, verbatimSymlinks: true });
    for (const instruction of stage.instructions) {
      const at = `Dockerfile:${instruction.line}`;
      switch (instruction.op) {
        case 'WORKDIR':
          state.workdir = posix.resolve(state.workdir, instruction.args);
          await mkdir(inRoot(state, state.workdir), { recursive: true, mode: 0o755 });
          break;
        case 'ENV':
          for (const [name, value] of envPairs(instruction)) state.env[name] = value;
          break;
        case 'COPY':
          await replayCopy(instruction, state, context, ignored, done);
          break;
        case 'RUN':
          await replayRun(instruction, state, { users, groups, skipped });
          break;
        case 'USER': {
          const user = users.get(instruction.args);
          if (user === undefined) throw new Error(`${at}: USER ${instruction.args} was not created by a RUN useradd`);
          state.user = user;
          break;
        }
        case 'VOLUME':
          state.volumes.push(...instruction.args.split(/\s+/));
          break;
        case 'EXPOSE':
          state.exposed.push(...instruction.args.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, ''))));
          break;
        case 'STOPSIGNAL':
          state.stopSignal = instruction.args as NodeJS.Signals;
          break;
        case 'HEALTHCHECK':
          state.healthcheck = healthcheck(instruction);
          break;
        case 'CMD':
          state.cmd = execForm(instruction);
          break;
        default:
          throw new Error(`${at}: ${instruction.op} is not replayed`);
      }
    }
    done.set(stage.name, state);
    last = state;
  }
  if (last === undefined) throw new Error('Dockerfile: no stage');
  const { root, workdir, env, user, cmd, exposed, volumes, stopSignal } = last;
  return { root, workdir, env, user, cmd, healthcheck: last.healthcheck, exposed, volumes, stopSignal, skipped };
}

/** An image path inside a stage's folder. */
function inRoot(state: { root: string }, imagePath: string): string {
  return join(state.root, imagePath);
}

async function replayCopy(
  instruction: Instruction,
  state: StageState,
  context: string,
  ignored: (path: string) => boolean,
  done: ReadonlyMap<string, StageState>,
): Promise<void> {
  const at = `Dockerfile:${instruction.line}`;
  const { from, sources, dest } = copyArgs(instruction);
  const source = from === undefined ? undefined : done.get(from);
  if (from !== undefined && source === undefined)
    throw new Error(`${at}: COPY --from=${from}: no such stage before it`);
  const target = inRoot(state, posix.resolve(state.workdir, dest));
  const intoDir = dest.endsWith('/') || sources.length > 1;
  for (const src of sources) {
    if (/[*?[]/.test(src)) throw new Error(`${at}: COPY with wildcards is not replayed: ${src}`);
    let path: string;
    if (source !== undefined) {
      path = inRoot(source, posix.resolve(source.workdir, src));
    } else {
      const rel = posix.normalize(src).replace(/^\.?\/+/, '');
      if (rel.startsWith('..') || ignored(rel)) throw new Error(`${at}: COPY ${src}: not in the build context`);
      path = join(context, rel);
    }
    const isDir = (await stat(path).catch(() => undefined))?.isDirectory();
    if (isDir === undefined) throw new Error(`${at}: COPY ${src}: no such file`);
    // A directory's contents go into dest; a file goes to dest, or into it when dest is a folder.
    const to = isDir || !intoDir ? target : join(target, basename(path));
    await cp(path, to, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (entry) => source !== undefined || !ignored(relative(context, entry)),
    });
  }
}

interface RunState {
  users: Map<string, ImageUser>;
  groups: Map<string, number>;
  skipped: string[];
}

/** One RUN: its `&&`-joined commands, each replayed or skipped by what it is. */
async function replayRun(instruction: Instruction, state: StageState, run: RunState): Promise<void> {
  const at = `Dockerfile:${instruction.line}`;
  for (const command of instruction.args.split('&&').map((c) => c.trim())) {
    if (/[;|<>$`'"()]/.test(command)) throw new Error(`${at}: RUN ${command}: shell syntax is not replayed`);
    const [program, ...args] = command.split(/\s+/) as [string, ...string[]];
    const option = (name: string): string | undefined => {
      const i = args.indexOf(name);
      return i < 0 ? undefined : args[i + 1];
    };
    switch (program) {
      case 'apt-get':
        run.skipped.push(`${at}: ${command} (the host has the build tools)`);
        break;
      case 'rm':
        if (args.join(' ') !== '-rf /var/lib/apt/lists/*') throw new Error(`${at}: RUN ${command} is not replayed`);
        run.skipped.push(`${at}: ${command} (apt's lists: none fetched)`);
        break;
      case 'npm':
        await npm(args, inRoot(state, state.workdir), at);
        break;
      case 'groupadd':
        run.groups.set(args.at(-1) as string, Number(option('--gid')));
        break;
      case 'useradd': {
        const name = args.at(-1) as string;
        const group = option('--gid') ?? name;
        const gid = /^\d+$/.test(group) ? Number(group) : run.groups.get(group);
        const uid = Number(option('--uid'));
        if (gid === undefined || !Number.isInteger(uid))
          throw new Error(`${at}: useradd needs --uid N and a known --gid`);
        run.users.set(name, { name, uid, gid, home: option('--home-dir') ?? '/' });
        break;
      }
      case 'mkdir':
        for (const path of args.filter((a) => !a.startsWith('-'))) {
          await mkdir(inRoot(state, posix.resolve(state.workdir, path)), { recursive: true, mode: 0o755 });
        }
        break;
      case 'chown': {
        const [owner, ...paths] = args.filter((a) => !a.startsWith('-'));
        const [userName, groupName] = (owner ?? '').split(':');
        const user = run.users.get(userName ?? '');
        const gid = groupName === undefined ? user?.gid : run.groups.get(groupName);
        if (user === undefined || gid === undefined) throw new Error(`${at}: chown ${owner}: unknown user or group`);
        // Not root: the folder is already this user's, the one the image will run as.
        for (const path of paths)
          if (IS_ROOT) await chown(inRoot(state, posix.resolve(state.workdir, path)), user.uid, gid);
        break;
      }
      default:
        throw new Error(`${at}: RUN ${command}: ${program} is not replayed (teach test/helpers/docker-replay.ts)`);
    }
  }
}

function npm(args: string[], cwd: string, at: string): Promise<void> {
  const offline = args[0] === 'ci' || args[0] === 'install' ? ['--prefer-offline'] : [];
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      [...args, ...offline],
      { cwd, env: cleanEnv(), timeout: NPM_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err === null) resolve();
        else
          reject(new Error(`${at}: npm ${args.join(' ')} failed (${err.message}):\n${(stdout + stderr).slice(-4000)}`));
      },
    );
  });
}

/** The image's ENV with its absolute paths mapped into the image's folder, and `overrides` (docker run -e). */
function processEnv(image: ReplayedImage, overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: join(image.root, image.user?.home ?? '/'),
  };
  for (const [name, value] of Object.entries({ ...image.env, ...overrides })) {
    env[name] = value.startsWith('/') ? join(image.root, value) : value;
  }
  return env;
}

/** A command line as the image's user: setpriv when root; as this process's user otherwise. */
function asImageUser(image: ReplayedImage, command: string[]): string[] {
  if (!IS_ROOT || image.user === undefined) return command;
  const { uid, gid } = image.user;
  return ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', ...command];
}

export interface RunningImage {
  /** The CMD's process, as this machine numbers it (PID 1 inside its namespace when root). */
  pid: number;
  /** Whether CMD runs as PID 1 of its own PID namespace (PID_NAMESPACE). */
  pidOne: boolean;
  /** Its output (stdout and stderr), the last 1 MB. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** `docker stop`: the image's STOPSIGNAL to CMD's process; resolves with how it ended. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** After a failed test: SIGKILL, which ends the whole namespace. */
  kill(): void;
}

const OUTPUT_LIMIT = 1024 * 1024;

/** `docker run` of the replayed image: CMD, with `env` added (-e NAME=value). */
export async function runImage(image: ReplayedImage, env: Record<string, string> = {}): Promise<RunningImage> {
  const command = asImageUser(image, image.cmd);
  const argv = PID_NAMESPACE ? ['unshare', '--pid', '--fork', '--kill-child', '--', ...command] : command;
  const launcher: ChildProcess = spawn(argv[0] as string, argv.slice(1), {
    cwd: join(image.root, image.workdir),
    env: processEnv(image, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  launcher.stdout?.on('data', keep);
  launcher.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    launcher.once('exit', (code, signal) => resolve({ code, signal })),
  );
  if (launcher.pid === undefined) throw new Error(`cannot start ${argv.join(' ')}`);
  const pid = PID_NAMESPACE ? await childOf(launcher.pid, exited) : launcher.pid;
  return {
    pid,
    pidOne: PID_NAMESPACE,
    output: () => output,
    exited,
    async stop() {
      process.kill(pid, image.stopSignal);
      return exited;
    },
    kill() {
      if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
    },
  };
}

/** The one child of `parent` (unshare's fork: the CMD's process), found in /proc. */
async function childOf(parent: number, exited: Promise<unknown>): Promise<number> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !gone) {
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
      if (new RegExp(`^PPid:\\s+${parent}$`, 'm').test(status)) return Number(entry);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the image's CMD did not start under pid ${parent}`);
}

/**
 * A command in the image, as `docker exec` and the HEALTHCHECK run one: the image's user, ENV and
 * WORKDIR, `timeoutMs` at most (Docker kills a health probe at its --timeout).
 */
export function execInImage(
  image: ReplayedImage,
  command: string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = asImageUser(image, command);
  return new Promise((resolve, reject) => {
    execFile(
      argv[0] as string,
      argv.slice(1),
      { cwd: join(image.root, image.workdir), env: processEnv(image, {}), timeout: timeoutMs, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') reject(new Error(`${argv.join(' ')}: ${err.message}`));
        else resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
      },
    );
  });
}
