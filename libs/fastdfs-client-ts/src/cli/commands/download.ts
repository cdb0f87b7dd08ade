import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseFileId } from 'fastdfs-protocol';
import { counter, writeFileAtomically } from '../atomic-file.js';
import type { CommandSpec } from '../command.js';
import { UsageError } from '../errors.js';

export const download: CommandSpec = {
  name: 'download',
  synopsis: '<file id> [<out>|-]',
  summary: 'fetch a file (to stdout with -)',
  details: `Writes the file to <out> (a folder: under the remote name in it), or to stdout for "-".
The bytes go to a hidden temporary file beside <out>, renamed to <out> once complete: a failed or
interrupted download leaves no partial file. Prints nothing (--json: {"fileId", "path", "size"};
--json cannot be combined with "-").`,
  flags: [],
  args: { min: 1, max: 2 },
  async run(ctx, [fileId, out]) {
    const id = fileId as string;
    const { basename } = parseFileId(id);
    if (out === '-' && ctx.json) {
      throw new UsageError('--json cannot be combined with "-": the file itself goes to stdout', 'download');
    }
    ctx.storageOf = async (c) => (await c.queryFetch(id)).storages[0];
    const target = out === '-' ? '-' : await targetPath(resolve(ctx.io.cwd, out ?? basename), basename);
    const stream = await ctx.client().downloadStream(id);
    const progress = ctx.progress(out === undefined || out === '-' ? basename : out, stream.contentLength);
    if (target === '-') {
      await pipeline(stream, counter(progress), ctx.io.stdout, { end: false, signal: ctx.signal });
      return 0;
    }
    await writeFileAtomically(target, stream, { signal: ctx.signal, progress, tempFiles: ctx.tempFiles });
    if (ctx.json) ctx.printJson({ fileId: id, path: target, size: stream.contentLength });
    return 0;
  },
};

/** An existing folder gets the file under its remote name, as `cp` would put it there. */
async function targetPath(path: string, remoteName: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  return info?.isDirectory() === true ? join(path, remoteName) : path;
}
