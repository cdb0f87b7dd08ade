/*
 * 22 QUERY_FILE_INFO (storage_service.c 3576-3784, response 3405-3444): body group[16] +
 * filename, flags in the header's status byte. Size and mtime from lstat; the CRC32 from the
 * name for a normal file, computed over the content for appender and slave files unless flag 1
 * (3521-3570). Not counted in the storage's statistics. The CRC32 is computed under the file's
 * lock, so size and CRC32 describe the same content; lstat alone needs no lock (it is atomic).
 */
import type { Stats } from 'node:fs';
import { describeParsed, encodeFileInfoResponse, FILE_INFO_FLAG_NO_CRC32 } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import type { StorageNode } from '../storage-node.js';
import type { Located } from '../store.js';
import { readGroupFile } from './group-file-request.js';

export const queryFileInfo: Handler = async (req, node) => {
  const loc = await readGroupFile(req, node);
  const info = describeParsed(loc.parsed);
  let st: Stats;
  let crc = 0;
  if (info.type === 'normal') {
    st = await node.store.regularFile(loc.path);
    crc = info.crc32;
  } else if ((req.flags & FILE_INFO_FLAG_NO_CRC32) !== 0) {
    st = await node.store.regularFile(loc.path);
  } else {
    ({ st, crc } = await statWithCrc(node, loc));
  }
  const createTimestamp = Math.floor(st.mtimeMs / 1000);
  return {
    body: encodeFileInfoResponse(
      { fileSize: st.size, createTimestamp, crc32: crc, sourceIp: info.sourceIp },
      node.options.ipAddrSize,
    ),
  };
};

function statWithCrc(node: StorageNode, loc: Located): Promise<{ st: Stats; crc: number }> {
  return node.store.withLock(loc.path, async () => ({
    st: await node.store.regularFile(loc.path),
    crc: await node.store.crc32Of(loc.path),
  }));
}
