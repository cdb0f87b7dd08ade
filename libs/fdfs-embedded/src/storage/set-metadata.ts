/*
 * 13 SET_METADATA (storage_service.c 3147-3315, 2928-3134): filename_len in 1..127, op flag 'O'
 * or 'M', meta_size consistent with the body, group ours: else EINVAL. The file must exist
 * (ENOENT). 'O' with no metadata removes the `-m` file; 'M' merges into it, new values winning.
 * Under the data file's lock, checked there: racing a DELETE it either runs before it (and the
 * delete removes the `-m` file) or after it (ENOENT), never leaving a `-m` without its file. The
 * new `-m` is written in .tmp and renamed into place (Store.writeAtomically), so GET_METADATA
 * reads it without the lock.
 */
import { readFile, unlink } from 'node:fs/promises';
import { decodeSetMetadataRequest, type MetaRecord, packRecords, splitMetadata } from 'fastdfs-protocol';
import { mergeRecords, sortRecords } from '../metadata-file.js';
import type { Handler } from '../server/handler.js';
import { invalid } from '../status.js';
import { META_SUFFIX } from '../store.js';
import { markSourceUpdate } from './counters.js';

export const setMetadata: Handler = async (req, node) => {
  const { store } = node;
  // The codec rejects (ProtocolError → EINVAL) lengths that are negative or disagree with the body.
  const request = decodeSetMetadataRequest(await req.body.all(node.options.maxMetadataBody));
  const { group, filename, mode, metadata: meta } = request;
  if (mode === undefined) throw invalid('set metadata: op flag is neither O nor M');
  store.checkGroup(group);
  const loc = store.locate(filename);
  const metaPath = loc.path + META_SUFFIX;
  await store.withLock(loc.path, async () => {
    await store.regularFile(loc.path);
    let records: MetaRecord[];
    if (mode === 'overwrite') {
      if (meta.length === 0) {
        await unlink(metaPath).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
        return;
      }
      records = sortRecords(splitMetadata(meta));
    } else {
      if (meta.length === 0) return;
      const old = await readFile(metaPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return Buffer.alloc(0);
        throw err;
      });
      records = mergeRecords(splitMetadata(old), splitMetadata(meta));
    }
    await store.writeAtomically(metaPath, packRecords(records));
  });
  markSourceUpdate(node);
  return {};
};
