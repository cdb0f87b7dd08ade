/*
 * 12 DELETE_FILE (storage_service.c 7704-7927, done callback 1114-1180): body group[16] +
 * filename; deletes the file (ENOENT when missing) and its metadata file.
 */
import { unlink } from 'node:fs/promises';
import type { Handler } from '../server/handler.js';
import { META_SUFFIX } from '../store.js';
import { markSourceUpdate } from './counters.js';
import { readGroupFile } from './group-file-request.js';

export const deleteFile: Handler = async (req, node) => {
  const loc = await readGroupFile(req, node);
  await node.store.withLock(loc.path, async () => {
    await node.store.regularFile(loc.path);
    await unlink(loc.path);
    await unlink(loc.path + META_SUFFIX).catch(() => undefined);
  });
  markSourceUpdate(node);
  return {};
};
