import { parseFileId, StatusError } from 'fastdfs-protocol';
import type { CommandSpec } from '../command.js';
import { describeError } from '../describe-error.js';

interface DeleteResult {
  fileId: string;
  ok: boolean;
  code?: string;
  message?: string;
}

export const del: CommandSpec = {
  name: 'delete',
  synopsis: '<file id>...',
  summary: 'delete files',
  details: `Deletes each file in turn: prints "deleted <file id>" on stdout for each one deleted, and a
line on stderr for each one that could not be (not found, say); exits 1 if any failed. Every id
is checked before the first delete: one malformed id, and nothing is deleted. An error that is
not about one file (no tracker, a server that is not FastDFS) stops the run there.
--json: {"results": [{"fileId", "ok", "code"?, "message"?}...]} in the order given.`,
  flags: [],
  args: { min: 1, max: Infinity },
  async run(ctx, ids) {
    for (const id of ids) parseFileId(id);
    const results: DeleteResult[] = [];
    try {
      for (const id of ids) {
        ctx.storageOf = async (c) => (await c.queryUpdate(id)).storages[0];
        try {
          await ctx.client().delete(id);
          results.push({ fileId: id, ok: true });
          if (!ctx.json) ctx.out(`deleted ${id}`);
        } catch (err) {
          // A status from the server is about this file; anything else would fail every id alike.
          if (!(err instanceof StatusError)) throw err;
          const { code, message } = describeError(err);
          results.push({ fileId: id, ok: false, code, message });
          ctx.warn(`delete ${id}: ${message} [${code}]`);
        }
      }
    } finally {
      if (ctx.json) ctx.printJson({ results });
    }
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
