/*
 * 34 MODIFY_FILE (storage_service.c 5147-5272): overwrites part of an appender file; offset >
 * file size → EINVAL (checked again under the lock: the file may have been truncated meanwhile).
 */
import { MODIFY_FIXED_SIZE } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { invalid } from '../status.js';
import { locateAppender, readAppenderHead } from './appender-file.js';
import { markSourceUpdate } from './counters.js';
import { receiveContent } from './place.js';
import { checkUploadSize } from './upload-size.js';

export const modify: Handler = async (req, node) => {
  const { store, state } = node;
  const { filename, offset, fileSize } = await readAppenderHead(req, node, MODIFY_FIXED_SIZE, 2);
  const { loc, size } = await locateAppender(node, filename);
  if (offset > size) throw invalid(`modify: offset ${offset} > file size ${size}`);
  if (fileSize === 0) return {};
  await checkUploadSize(node, fileSize);
  state.counters.totalModifyBytes += fileSize;
  const got = await receiveContent(req, node, fileSize);
  try {
    await store.withLock(loc.path, async () => {
      const now = await store.regularFile(loc.path);
      if (offset > now.size) throw invalid(`modify: offset ${offset} > file size ${now.size}`);
      await store.copyInto(got.tmpPath, loc.path, offset);
    });
  } finally {
    await store.discard(got.tmpPath);
  }
  state.counters.successModifyBytes += fileSize;
  markSourceUpdate(node);
  return {};
};
