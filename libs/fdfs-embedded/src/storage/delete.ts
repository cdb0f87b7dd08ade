/*
 * 12 DELETE_FILE (storage_service.c 7704-7927, done callback 1114-1180): body group[16] +
 * filename; deletes the file (ENOENT when missing) and its metadata file, under the file's lock.
 * The `-m` file goes first: a crash in between leaves the data file, which a retried delete
 * removes, rather than a `-m` file nothing can name any more.
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
    await unlink(loc.path + META_SUFFIX).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await unlink(loc.path);
  });
  markSourceUpdate(node);
  return {};
};
