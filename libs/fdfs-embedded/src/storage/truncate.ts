/*
 * 36 TRUNCATE_FILE (storage_service.c 5274-5452): name length 44..127, size >= 0 else EINVAL (the decoder);
 * an appender only; the same size is a no-op; a larger one extends the file (the C server only
 * warns). Decision: the body length must match the name length (the C server does not check),
 * and a size over maxUploadSize is EFBIG ("file too large"). Under the file's lock.
 */
import { truncate as truncateFile } from 'node:fs/promises';
import { decodeTruncateRequest } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { locateAppender } from './appender-file.js';
import { markSourceUpdate } from './counters.js';
import { checkMaxUploadSize } from './upload-size.js';

export const truncate: Handler = async (req, node) => {
  const body = await req.body.all(node.options.maxSmallBody);
  const { filename, truncatedSize: size } = decodeTruncateRequest(body);
  checkMaxUploadSize(node, size);
  const { loc } = await locateAppender(node, filename);
  await node.store.withLock(loc.path, async () => {
    const st = await node.store.regularFile(loc.path);
    if (st.size !== size) await truncateFile(loc.path, size);
  });
  markSourceUpdate(node);
  return {};
};
