/*
 * 36 TRUNCATE_FILE (storage_service.c 5274-5452): name length 44..127, size >= 0 else EINVAL;
 * an appender only; the same size is a no-op; a larger one extends the file (the C server only
 * warns). Decision: the body length must match the name length (the C server does not check),
 * and a size over maxUploadSize is ENOSPC.
 */
import { truncate as truncateFile } from 'node:fs/promises';
import {
  decodeAppenderFixed,
  Errno,
  MAX_FILENAME_LENGTH,
  NORMAL_FILENAME_LENGTH,
  StatusError,
  TRUNCATE_FIXED_SIZE,
} from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { invalid } from '../status.js';
import { locateAppender } from './appender-file.js';
import { markSourceUpdate } from './counters.js';

export const truncate: Handler = async (req, node) => {
  const body = await req.body.all(node.options.maxSmallBody);
  if (body.length <= TRUNCATE_FIXED_SIZE) throw invalid(`truncate: body of ${body.length} bytes`);
  const { filenameLength: nameLength, numbers } = decodeAppenderFixed(body, 1);
  const size = numbers[0] ?? -1;
  if (nameLength < NORMAL_FILENAME_LENGTH || nameLength > MAX_FILENAME_LENGTH) {
    throw invalid(`truncate: filename length ${nameLength}`);
  }
  if (size < 0) throw invalid(`truncate: size ${size}`);
  if (body.length - TRUNCATE_FIXED_SIZE !== nameLength) {
    throw invalid('truncate: body length does not match the filename length');
  }
  if (size > node.options.maxUploadSize) {
    throw new StatusError(Errno.ENOSPC, `truncate: ${size} bytes exceeds maxUploadSize`);
  }
  const { loc } = await locateAppender(node, body.toString('latin1', TRUNCATE_FIXED_SIZE));
  await node.store.withLock(loc.path, async () => {
    const st = await node.store.regularFile(loc.path);
    if (st.size !== size) await truncateFile(loc.path, size);
  });
  markSourceUpdate(node);
  return {};
};
