import type { CommandSpec } from '../command.js';
import { formatFileInfo } from '../format.js';

export const info: CommandSpec = {
  name: 'info',
  synopsis: '<file id>',
  summary: 'what a file id says (as fdfs_file_info)',
  details: `Decodes the file id (source storage, creation time, size, CRC32), asking the storage only
for appender and slave files, whose names do not hold their size: the same text as fdfs_file_info.
--json: {"group", "filename", "storePathIndex", "subdirHigh", "subdirLow", "basename", "type",
"trunk", "sourceId", "sourceIp", "createTimestamp", "fileSize", "crc32", "ext", "fromServer"}.`,
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, [fileId]) {
    const id = fileId as string;
    ctx.storageOf = async (c) => (await c.queryFetch(id)).storages[0];
    const result = await ctx.client().fileInfo(id);
    if (ctx.json) ctx.printJson(result);
    else ctx.out(formatFileInfo(result));
    return 0;
  },
};
