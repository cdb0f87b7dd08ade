/*
 * 24 APPEND_FILE (storage_service.c 5041-5145): appends to an appender file; 0 bytes is a
 * no-op. The content is received into a temp file first, then copied under the file's lock,
 * so a network failure never leaves a half-appended file.
 */
import { truncate } from 'node:fs/promises';
import { APPEND_FIXED_SIZE } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { locateAppender, readAppenderHead } from './appender-file.js';
import { markSourceUpdate } from './counters.js';
import { receiveContent } from './place.js';
import { checkUploadSize } from './upload-size.js';

export const append: Handler = async (req, node) => {
  const { store, state } = node;
  const { filename, fileSize } = await readAppenderHead(req, node, APPEND_FIXED_SIZE, 1);
  const { loc } = await locateAppender(node, filename);
  if (fileSize === 0) return {};
  await checkUploadSize(node, fileSize);
  state.counters.totalAppendBytes += fileSize;
  const got = await receiveContent(req, node, fileSize);
  try {
    await store.withLock(loc.path, async () => {
      const { size } = await store.regularFile(loc.path);
      try {
        await store.copyInto(got.tmpPath, loc.path, size);
      } catch (err) {
        await truncate(loc.path, size).catch(() => undefined); // dio_append_finish_clean_up
        throw err;
      }
    });
  } finally {
    await store.discard(got.tmpPath);
  }
  state.counters.successAppendBytes += fileSize;
  markSourceUpdate(node);
  return {};
};
