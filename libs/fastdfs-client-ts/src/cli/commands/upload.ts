import { isGroupName, validateExt } from 'fastdfs-protocol';
import { InvalidArgumentError } from '../../errors.js';
import type { CommandSpec } from '../command.js';
import { UsageError } from '../errors.js';
import { extOfLocalPath } from '../ext-name.js';
import { openLocalFile } from '../local-file.js';

export const upload: CommandSpec = {
  name: 'upload',
  synopsis: '<file> [--group G] [--ext EXT] [--appender]',
  summary: 'store a file, print its file id',
  details: `Prints the new file id alone on stdout (--json: {"fileId", "size", "appender"}).
  --group G     store in group G (default: the tracker picks)
  --ext EXT     the extension to give the file id, without its dot ('' for none); by default
                it is taken from <file> exactly as fdfs_upload_file takes it: what follows the
                last dot if at most 6 bytes, or a two-part one like tar.gz
  --appender    an appender file, which append can extend later (fdfs_upload_appender)`,
  flags: ['group', 'ext', 'appender'],
  args: { min: 1, max: 1 },
  async run(ctx, [file]) {
    const local = file as string;
    const { group, appender } = ctx.flags;
    if (group !== undefined && !isGroupName(group)) {
      throw new UsageError(`--group ${JSON.stringify(group)} must be 1-16 letters or digits`, 'upload');
    }
    const extFlag = ctx.flags.ext === undefined ? undefined : checkExtFlag(ctx.flags.ext);
    const source = await openLocalFile(ctx, local);
    const ext = extFlag ?? extFromName(local);
    const client = ctx.client();
    ctx.storageOf = async (c) => c.queryStore(group);
    const options = { size: source.size, ext, ...(group === undefined ? {} : { group }) };
    const fileId = await (appender === true
      ? client.uploadAppender(source.chunks, options)
      : client.upload(source.chunks, options));
    if (ctx.json) ctx.printJson({ fileId, size: source.size, appender: appender === true });
    else ctx.out(fileId);
    return 0;
  },
};

function checkExtFlag(ext: string): string {
  if (ext.startsWith('.')) {
    throw new UsageError(`--ext takes the extension without its dot: --ext ${ext.slice(1)}`, 'upload');
  }
  try {
    validateExt(ext);
  } catch {
    throw new UsageError(`--ext ${JSON.stringify(ext)} must be at most 6 of A-Z a-z 0-9 - _ .`, 'upload');
  }
  return ext;
}

function extFromName(file: string): string {
  const ext = extOfLocalPath(file);
  try {
    validateExt(ext);
  } catch {
    // fdfs_upload_file would send it and the storage refuse it (EINVAL): say why before any I/O.
    throw new InvalidArgumentError(
      `the extension ${JSON.stringify(ext)} of ${file} is not one FastDFS takes (A-Z a-z 0-9 - _ .): ` +
        'name one with --ext',
    );
  }
  return ext;
}
