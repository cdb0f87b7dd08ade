/*
 * 14 DOWNLOAD_FILE (storage_service.c 7259-7439): offset or length < 0 EINVAL (the decoder); offset >= size
 * EINVAL, even for an empty file (7392-7403); a length past the end is clipped, however large, and
 * 0 means to the end (7405-7418). Up to WHOLE_DOWNLOAD_BYTES are read here, after the reply
 * header (Store.readRange: inline while the page cache has them; a hot whole file from the
 * store's SmallFileCache, the same buffer for every reply); more are sent from disk by the reply
 * writer after the header. No file lock: the lock could not cover the send, which happens after
 * the handler returns, and must not be held while a slow reader drains. What a reader can see: a
 * file being appended to is read up to the size fstat gave here; one being modified may give old
 * and new bytes mixed (as on FastDFS, which writes in place too); a small one truncated meanwhile
 * is sent as far as it goes, a large one truncated below the range closes the connection (the
 * reply writer cannot send the promised bytes); a small one deleted after the open is read whole,
 * a large one deleted before the reply writer opens it closes the connection after the header. A
 * kept file is sent as it was before a change still running under its lock, never after one
 * (releasing the lock drops it); changed on disk by hand, as it was for up to SMALL_FILE_RECHECK_MS.
 */
import { Cmd, decodeDownloadRequest, encodeHeader, HEADER_SIZE } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { invalid } from '../status.js';
import { WHOLE_DOWNLOAD_BYTES } from '../store.js';

/** The header of a successful reply of `length` bytes. */
const replyHeader = (length: number): Buffer => encodeHeader(length, Cmd.RESP, 0);

export const download: Handler = async (req, node) => {
  const { store, state } = node;
  const body = await req.body.all(node.options.maxSmallBody);
  const { offset, length, group, filename } = decodeDownloadRequest(body);
  store.checkGroup(group);
  const loc = store.locate(filename);
  const range = await store.readRange(
    loc.path,
    (size) => {
      if (offset >= size) throw invalid(`download: offset ${offset} >= file size ${size}`);
      return { start: offset, length: length === 0 || length > size - offset ? size - offset : length };
    },
    WHOLE_DOWNLOAD_BYTES,
    replyHeader,
  );
  const sent = range.buffer === null ? range.length : range.buffer.length - HEADER_SIZE;
  state.counters.totalDownloadBytes += sent;
  state.counters.successDownloadBytes += sent;
  if (range.buffer !== null) return { framed: range.buffer };
  return { file: { path: loc.path, start: range.start, length: range.length } };
};
