import { resolve } from 'node:path';
import { FdfsClient, formatAddress, parseAddress, readClientConf, type FdfsClientOptions } from 'fastdfs-client-ts';
import { checkFdfs, type FdfsCheckTarget } from './fdfs-check.js';
import { DEFAULT_TIMEOUT_S, parseCheckArgs, timeoutOf } from './args.js';
import { Exit, UsageError, type MonitIo } from './io.js';
import type { Subcommand } from './subcommand.js';

/** fdfs_monitor and tracker_server take a host alone to mean this port. */
const DEFAULT_TRACKER_PORT = 22122;

const OPTIONS = {
  tracker: { type: 'string', multiple: true },
  conf: { type: 'string' },
  group: { type: 'string' },
  storage: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const fdfsCommand: Subcommand = {
  name: 'fdfs',
  synopsis: '[--tracker host[:port]]... [--conf client.conf] [--group G] [--storage ip[:port]] [--timeout S] [--json]',
  summary: "is a FastDFS group's storage ACTIVE and answering? (monit_fdfs)",
  details: `Asks the tracker for the storages of --group (default: every group) and checks each one, or only
--storage (its IP, and port when given): it must be ACTIVE on the tracker and answer ACTIVE_TEST
itself. Prints one line, and exits 0 when every storage checked passes, else 1:

  OK group1 10.0.0.5:23000 ACTIVE
  FAIL group1 10.0.0.6:23000 OFFLINE, group1 10.0.0.5:23000 ACTIVE
  FAIL tracker 127.0.0.1:22122 unreachable: cannot connect to 127.0.0.1:22122: ECONNREFUSED

Options:
  --tracker host[:port]  a tracker (port 22122 if left out); repeat for several
  --conf FILE            a FastDFS client.conf: its tracker_server lines and timeouts
  --group G              the group to check (default: every group on the tracker)
  --storage ip[:port]    the one storage to check (default: every storage of the groups)
  --timeout S            seconds for each connect and each reply (default ${DEFAULT_TIMEOUT_S})
  --json                 print {"ok", "line", "trackers", "storages": [...]} instead of the line

Trackers come from --tracker, else --conf, else $PIC_TRACKER_SERVER (comma-separated host:port),
else 127.0.0.1:22122.`,
  async run(argv, io) {
    const { values, positionals } = parseCheckArgs(argv, OPTIONS);
    if (values.help === true) {
      io.stdout.write(`${usageOf(fdfsCommand)}\n\n${fdfsCommand.details}\n`);
      return Exit.OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const target: FdfsCheckTarget = {};
    if (values.group !== undefined) {
      if (!/^[A-Za-z0-9]{1,16}$/.test(values.group)) {
        throw new UsageError(`--group ${JSON.stringify(values.group)} must be 1-16 letters or digits`);
      }
      target.group = values.group;
    }
    if (values.storage !== undefined) target.storage = storageOf(values.storage);
    const timeoutMs = timeoutOf(values.timeout);
    const options = clientOptions(values.tracker, values.conf, io, timeoutMs);

    const client = new FdfsClient({ ...options, pool: { maxSize: 2, acquireTimeout: timeoutMs } });
    try {
      const result = await checkFdfs(client, options.trackers, target);
      if (values.json === true) {
        io.stdout.write(`${JSON.stringify({ ...result, trackers: options.trackers }, null, 2)}\n`);
      } else {
        io.stdout.write(`${result.line}\n`);
      }
      return result.ok ? Exit.OK : Exit.FAIL;
    } finally {
      await client.close();
    }
  },
};

function storageOf(text: string): { ip: string; port?: number } {
  const m = /^([^\s:]+)(?::(\d{1,5}))?$/.exec(text);
  if (m === null || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
    throw new UsageError(`--storage ${JSON.stringify(text)} must be ip or ip:port`);
  }
  return m[2] === undefined ? { ip: m[1] as string } : { ip: m[1] as string, port: Number(m[2]) };
}

/** Trackers from --tracker, else --conf, else PIC_TRACKER_SERVER, else 127.0.0.1:22122. */
function clientOptions(
  trackers: string[] | undefined,
  conf: string | undefined,
  io: MonitIo,
  timeoutMs: number,
): FdfsClientOptions & { trackers: string[] } {
  const timeouts = { connectTimeout: timeoutMs, networkTimeout: timeoutMs };
  let fromConf: FdfsClientOptions | undefined;
  if (conf !== undefined) {
    try {
      fromConf = readClientConf(resolve(io.cwd, conf));
    } catch (err) {
      throw new UsageError(`--conf: ${(err as Error).message}`);
    }
  }
  if (trackers !== undefined)
    return { ...timeouts, ...fromConf, trackers: trackers.map((t) => address(t, '--tracker', true)) };
  if (fromConf !== undefined)
    return {
      ...timeouts,
      ...fromConf,
      trackers: fromConf.trackers.map((t) => (typeof t === 'string' ? t : formatAddress(t))),
    };
  const env = io.env.PIC_TRACKER_SERVER?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (env !== undefined && env.length > 0) {
    return { ...timeouts, trackers: env.map((t) => address(t, 'PIC_TRACKER_SERVER', false)) };
  }
  return { ...timeouts, trackers: [`127.0.0.1:${DEFAULT_TRACKER_PORT}`] };
}

function address(text: string, what: string, hostAlone: boolean): string {
  const withPort = hostAlone && /^[^:\s]+$/.test(text) ? `${text}:${DEFAULT_TRACKER_PORT}` : text;
  try {
    return formatAddress(parseAddress(withPort, what));
  } catch (err) {
    throw new UsageError((err as Error).message.replace(JSON.stringify(withPort), JSON.stringify(text)));
  }
}

export function usageOf(command: Subcommand): string {
  return `usage: monit ${command.name} ${command.synopsis}`;
}
