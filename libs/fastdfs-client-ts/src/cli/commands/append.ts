import { parseFileId } from 'fastdfs-protocol';
import type { CommandSpec } from '../command.js';
import { openLocalFile } from '../local-file.js';

export const append: CommandSpec = {
  name: 'append',
  synopsis: '<file id> <file>',
  summary: 'add a file to the end of an appender file',
  details: `Adds the bytes of <file> to the end of the appender file <file id> (one made with
upload --appender), as fdfs_append_file does. Prints nothing (--json: {"fileId", "appended"}).`,
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, [fileId, file]) {
    const id = fileId as string;
    parseFileId(id);
    const source = await openLocalFile(ctx, file as string);
    ctx.storageOf = async (c) => (await c.queryUpdate(id)).storages[0];
    await ctx.client().append(id, source.chunks, { size: source.size });
    if (ctx.json) ctx.printJson({ fileId: id, appended: source.size });
    return 0;
  },
};
