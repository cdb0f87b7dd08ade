import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { FdfsClient } from '../client.js';
import { readClientConf } from '../client-conf.js';
import { FdfsError } from '../errors.js';
import type { FdfsClientOptions } from '../options.js';
import { formatFileInfo } from './format.js';
import { parseFileId } from 'fastdfs-protocol';

export const USAGE = `usage: fdfs [--tracker host:port]... [--conf client.conf] <command> ...
  upload <file> [--group G] [--ext EXT]    store a file, print its file id
  download <file id> [<out>|-]             fetch a file (default: its name, in the current folder)
  delete <file id>                         delete a file
  info <file id> [--json]                  what the file id says (and the server, for appender/slave files)
  meta get <file id>                       print metadata as name=value lines
  meta set <file id> [name=value...] [--merge]
  groups                                   list groups (JSON)
  storages <group>                         list the storages of a group (JSON)
Trackers: --tracker, else --conf, else $PIC_TRACKER_SERVER (comma-separated), else ./conf/client.conf,
else 127.0.0.1:22122.`;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

class UsageError extends Error {}

/** Runs the CLI and returns its exit status: 0 success, 1 failure, 2 bad usage. */
export async function main(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
): Promise<number> {
  let client: FdfsClient | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        tracker: { type: 'string', multiple: true },
        conf: { type: 'string' },
        group: { type: 'string' },
        ext: { type: 'string' },
        json: { type: 'boolean' },
        merge: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...args] = positionals;
    if (values.help === true || command === undefined) {
      io.stdout.write(`${USAGE}\n`);
      return command === undefined && values.help !== true ? 2 : 0;
    }
    const out = (line: string) => io.stdout.write(`${line}\n`);
    const connect = () => (client = new FdfsClient(clientOptions(values.tracker, values.conf, io)));
    switch (command) {
      case 'upload': {
        const file = resolve(io.cwd, need(args, 0, 'upload <file>'));
        const { size } = await stat(file);
        const ext = values.ext ?? extOf(file);
        out(
          await connect().upload(createReadStream(file), {
            size,
            ext,
            ...(values.group ? { group: values.group } : {}),
          }),
        );
        return 0;
      }
      case 'download': {
        const fileId = need(args, 0, 'download <file id> [<out>]');
        const target = args[1] ?? basename(parseFileId(fileId).filename);
        const stream = await connect().downloadStream(fileId);
        if (target === '-') {
          await pipeline(stream, io.stdout, { end: false });
          return 0;
        }
        const path = resolve(io.cwd, target);
        try {
          await pipeline(stream, createWriteStream(path));
        } catch (err) {
          await rm(path, { force: true });
          throw err;
        }
        return 0;
      }
      case 'delete':
        await connect().delete(need(args, 0, 'delete <file id>'));
        return 0;
      case 'info': {
        const fileId = need(args, 0, 'info <file id>');
        // No I/O for a normal file: fileInfo decodes the name and asks the server only when it must.
        const info = await connect().fileInfo(fileId);
        out(values.json === true ? JSON.stringify(info, null, 2) : formatFileInfo(info));
        return 0;
      }
      case 'meta': {
        const [op, fileId] = [need(args, 0, 'meta get|set <file id>'), need(args, 1, 'meta get|set <file id>')];
        if (op === 'get') {
          const meta = await connect().getMetadata(fileId);
          for (const [name, value] of Object.entries(meta)) out(`${name}=${value}`);
          return 0;
        }
        if (op !== 'set') throw new UsageError(`meta: unknown operation ${JSON.stringify(op)} (get or set)`);
        const meta: Record<string, string> = {};
        for (const pair of args.slice(2)) {
          const eq = pair.indexOf('=');
          if (eq <= 0) throw new UsageError(`meta set: ${JSON.stringify(pair)} is not name=value`);
          meta[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        await connect().setMetadata(fileId, meta, values.merge === true ? 'merge' : 'overwrite');
        return 0;
      }
      case 'groups':
        out(JSON.stringify(await connect().listGroups(), null, 2));
        return 0;
      case 'storages':
        out(JSON.stringify(await connect().listStorages(need(args, 0, 'storages <group>')), null, 2));
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    const usage =
      err instanceof UsageError ||
      (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'));
    io.stderr.write(`fdfs: ${oneLine(err)}${usage ? ' (fdfs --help for usage)' : ''}\n`);
    return usage ? 2 : 1;
  } finally {
    await client?.close();
  }
}

function need(args: string[], index: number, usage: string): string {
  const value = args[index];
  if (value === undefined || value === '') throw new UsageError(`missing argument: ${usage}`);
  return value;
}

/** Extension the way the C tools take it (fdfs_get_file_ext_name): after the last dot of the base name, cut to 6. */
function extOf(path: string): string {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1, dot + 7);
}

function clientOptions(trackers: string[] | undefined, conf: string | undefined, io: CliIo): FdfsClientOptions {
  if (trackers !== undefined && trackers.length > 0) return { trackers };
  if (conf !== undefined) return readClientConf(resolve(io.cwd, conf));
  const fromEnv = io.env.PIC_TRACKER_SERVER?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (fromEnv !== undefined && fromEnv.length > 0) return { trackers: fromEnv };
  const defaultConf = resolve(io.cwd, 'conf/client.conf');
  if (existsSync(defaultConf)) return readClientConf(defaultConf);
  return { trackers: ['127.0.0.1:22122'] };
}

function oneLine(err: unknown): string {
  const text =
    err instanceof FdfsError ? `${err.message} [${err.code}]` : err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ');
}
