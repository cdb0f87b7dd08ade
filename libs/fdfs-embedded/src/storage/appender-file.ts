import { decodeAppenderFixed, describeParsed } from 'fastdfs-protocol';
import type { Request } from '../server/handler.js';
import { invalid } from '../status.js';
import type { StorageNode } from '../storage-node.js';
import type { Located } from '../store.js';
import { checkMaxUploadSize } from './upload-size.js';

/*
 * What 24 append, 34 modify, 36 truncate and 38 regenerate share: an appender file named in
 * the request, `appender_filename_len` in 44..127 (FDFS_NORMAL_LOGIC_FILENAME_LENGTH up to
 * `char appender_filename[128]`).
 */

/**
 * storage_server_check_appender_file (storage_service.c 4754-4837): the name's size field must
 * carry the appender bit.
 */
export async function locateAppender(node: StorageNode, filename: string): Promise<{ loc: Located; size: number }> {
  const loc = node.store.locate(filename);
  const st = await node.store.regularFile(loc.path);
  const info = describeParsed(loc.parsed);
  if (info.type !== 'appender') throw invalid(`${filename} is not an appender file`);
  return { loc, size: st.size };
}

/**
 * The head shared by 24 and 34 (storage_service.c 5041-5272): the fixed int64s (`count` after
 * filename_len), then the filename. Name length 44..127, file_size consistent with the body.
 */
export async function readAppenderHead(
  req: Request,
  node: StorageNode,
  fixed: number,
  count: 1 | 2,
): Promise<{ filename: string; offset: number; fileSize: number }> {
  const { body } = req;
  if (body.length <= fixed) throw invalid(`cmd ${req.cmd}: body of ${body.length} bytes`);
  const { filenameLength, numbers } = decodeAppenderFixed(await body.read(fixed), count, body.length);
  const fileSize = numbers[count - 1] as number;
  const offset = count === 2 ? (numbers[0] as number) : 0;
  checkMaxUploadSize(node, fileSize);
  const filename = (await body.read(filenameLength)).toString('latin1');
  return { filename, offset, fileSize };
}
