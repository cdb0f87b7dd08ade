/*
 * 15 GET_METADATA (storage_service.c 7128-7249): body group[16] + filename; the reply is the
 * `-m` file as stored (records sorted by name). No such file, or no metadata → ENOENT.
 */
import { readFile } from 'node:fs/promises';
import type { Handler } from '../server/handler.js';
import { notFound } from '../status.js';
import { META_SUFFIX } from '../store.js';
import { readGroupFile } from './group-file-request.js';

export const getMetadata: Handler = async (req, node) => {
  const loc = await readGroupFile(req, node);
  await node.store.regularFile(loc.path, true);
  const meta = await readFile(loc.path + META_SUFFIX).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw notFound('no metadata');
    throw err;
  });
  return { body: meta };
};
