/*
 * 14 DOWNLOAD_FILE (storage_service.c 7259-7439): offset or length < 0 EINVAL (the decoder); offset >= size
 * EINVAL, even for an empty file; a length past the end is clipped (0: to the end). The reply
 * writer sends the bytes from disk after the header.
 */
import { decodeDownloadRequest } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { invalid } from '../status.js';

export const download: Handler = async (req, node) => {
  const { store, state } = node;
  const body = await req.body.all(node.options.maxSmallBody);
  const { offset, length, group, filename } = decodeDownloadRequest(body);
  store.checkGroup(group);
  const loc = store.locate(filename);
  const st = await store.regularFile(loc.path, true);
  if (offset >= st.size) throw invalid(`download: offset ${offset} >= file size ${st.size}`);
  const bytes = length === 0 || length > st.size - offset ? st.size - offset : length;
  state.counters.totalDownloadBytes += bytes;
  state.counters.successDownloadBytes += bytes;
  return { file: { path: loc.path, start: offset, length: bytes } };
};
