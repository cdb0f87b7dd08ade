/*
 * 22 QUERY_FILE_INFO (storage_service.c 3576-3784, response 3405-3444): body group[16] +
 * filename, flags in the header's status byte. Size and mtime from lstat; the CRC32 from the
 * name for a normal file, computed over the content for appender and slave files unless flag 1
 * (3521-3570). Not counted in the storage's statistics.
 */
import { describeParsed, encodeFileInfoResponse, FILE_INFO_FLAG_NO_CRC32 } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { readGroupFile } from './group-file-request.js';

export const queryFileInfo: Handler = async (req, node) => {
  const loc = await readGroupFile(req, node);
  const st = await node.store.regularFile(loc.path);
  const info = describeParsed(loc.parsed);
  let crc = info.crc32;
  if (info.type !== 'normal') {
    crc = (req.flags & FILE_INFO_FLAG_NO_CRC32) !== 0 ? 0 : await node.store.crc32Of(loc.path);
  }
  const createTimestamp = Math.floor(st.mtimeMs / 1000);
  return {
    body: encodeFileInfoResponse(
      { fileSize: st.size, createTimestamp, crc32: crc, sourceIp: info.sourceIp },
      node.options.ipAddrSize,
    ),
  };
};
