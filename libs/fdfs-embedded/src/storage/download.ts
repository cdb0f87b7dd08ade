/*
 * 14 DOWNLOAD_FILE (storage_service.c 7259-7439): offset or length < 0 EINVAL (the decoder); offset >= size
 * EINVAL, even for an empty file (7392-7403); a length past the end is clipped, however large, and
 * 0 means to the end (7405-7418). The reply writer sends the bytes from disk after the header.
 * No file lock: the lock could not cover the send, which happens after the handler returns, and
 * must not be held while a slow reader drains. What a reader can see: a file being appended to is
 * read up to the size stat gave here; one being modified may give old and new bytes mixed (as on
 * FastDFS, which writes in place too); one truncated below the range closes the connection (the
 * reply writer cannot send the promised bytes); one deleted is read whole if the reply writer had
 * opened it, else answered ENOENT (up to 256 KiB) or the connection is closed after the header.
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
