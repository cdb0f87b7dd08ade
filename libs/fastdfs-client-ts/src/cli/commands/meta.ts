import { ErrorCode, FdfsError, parseFileId } from 'fastdfs-protocol';
import type { Metadata } from 'fastdfs-protocol';
import type { CommandSpec } from '../command.js';
import { UsageError } from '../errors.js';

export const metaGet: CommandSpec = {
  name: 'meta get',
  synopsis: '<file id>',
  summary: 'print metadata as name=value lines',
  details: `Prints one name=value line per item, nothing for a file without metadata (a missing file
is an error). --json: {"<name>": "<value>", ...}.`,
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, [fileId]) {
    const id = fileId as string;
    parseFileId(id);
    ctx.storageOf = async (c) => (await c.queryUpdate(id)).storages[0];
    const client = ctx.client();
    let meta: Metadata;
    try {
      meta = await client.getMetadata(id);
    } catch (err) {
      // The storage answers ENOENT both when the file is missing and when it has no metadata
      // (storage_server_get_metadata stats the .meta file only): ask whether the file exists.
      if (!(err instanceof FdfsError) || err.code !== ErrorCode.NOT_FOUND) throw err;
      await client.queryFileInfo(id, { computeCrc32: false }).catch(() => {
        throw err;
      });
      meta = {};
    }
    if (ctx.json) ctx.printJson(meta);
    else for (const [name, value] of Object.entries(meta)) ctx.out(`${name}=${value}`);
    return 0;
  },
};

export const metaSet: CommandSpec = {
  name: 'meta set',
  synopsis: '<file id> <name=value>... [--merge]',
  summary: 'set metadata (--merge: add to it)',
  details: `Replaces all the metadata of the file with the pairs given, or with --merge adds them to
what it has (a name given again gets the new value). Prints nothing
(--json: {"fileId", "mode": "overwrite"|"merge", "metadata": {...}}).`,
  flags: ['merge'],
  args: { min: 2, max: Infinity },
  async run(ctx, [fileId, ...pairs]) {
    const id = fileId as string;
    parseFileId(id);
    const pairsByName = new Map<string, string>();
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`${JSON.stringify(pair)} is not name=value`, 'meta set');
      const name = pair.slice(0, eq);
      if (pairsByName.has(name)) throw new UsageError(`${JSON.stringify(name)} is given twice`, 'meta set');
      pairsByName.set(name, pair.slice(eq + 1));
    }
    const metadata: Metadata = Object.fromEntries(pairsByName);
    const mode = ctx.flags.merge === true ? 'merge' : 'overwrite';
    ctx.storageOf = async (c) => (await c.queryUpdate(id)).storages[0];
    await ctx.client().setMetadata(id, metadata, mode);
    if (ctx.json) ctx.printJson({ fileId: id, mode, metadata });
    return 0;
  },
};
