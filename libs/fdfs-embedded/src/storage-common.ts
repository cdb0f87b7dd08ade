import type { Handler } from './connection.js';
import { invalid } from './status.js';
import type { StorageNode } from './storage-node.js';
import type { Located } from './store.js';
import { describeParsed, type FileIdInfo, type StorageCounters } from 'fastdfs-protocol';

/** FDFS_LOGIC_FILE_PATH_LEN + FDFS_FILENAME_BASE64_LENGTH + FDFS_FILE_EXT_NAME_MAX_LEN + 1 = 44. */
export const MIN_APPENDER_NAME = 10 + 27 + 6 + 1;
/** `char appender_filename[128]` */
export const MAX_NAME_BUFFER = 128;

type CounterName = keyof StorageCounters;

/** Counts a request in `total` and, when it succeeds, in `success` (g_storage_stat). */
export function counted(node: StorageNode, total: CounterName, success: CounterName, handler: Handler): Handler {
  return async (req) => {
    let ok = false;
    try {
      const reply = await handler(req);
      ok = (reply.status ?? 0) === 0;
      return reply;
    } finally {
      node.state.counters[total] += 1;
      if (ok) node.state.counters[success] += 1;
      node.state.changed();
    }
  };
}

export function markSourceUpdate(node: StorageNode): void {
  node.state.counters.lastSourceUpdate = Math.floor(Date.now() / 1000);
}

/** storage_server_check_appender_file (storage_service.c 4754-4837): the name's size field must carry the appender bit. */
export async function locateAppender(node: StorageNode, filename: string): Promise<{ loc: Located; info: FileIdInfo; size: number }> {
  const loc = node.store.locate(filename);
  const st = await node.store.regularFile(loc.path);
  const info = describeParsed(loc.parsed);
  if (info.type !== 'appender') throw invalid(`${filename} is not an appender file`);
  return { loc, info, size: st.size };
}
