import type { StorageCounters } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import type { StorageNode } from '../storage-node.js';

/*
 * The storage's statistics (g_storage_stat), reported by the tracker's LIST_STORAGE and kept
 * across restarts in the state file.
 */

type CounterName = keyof StorageCounters;

/** Counts a request in `total` and, when it succeeds, in `success`. */
export function counted(total: CounterName, success: CounterName, handler: Handler): Handler {
  return async (req, node) => {
    let ok = false;
    try {
      const reply = await handler(req, node);
      ok = (reply.status ?? 0) === 0;
      return reply;
    } finally {
      node.state.counters[total] += 1;
      if (ok) node.state.counters[success] += 1;
      node.state.changed();
    }
  };
}

/** last_source_update: a file written, changed or deleted here. */
export function markSourceUpdate(node: StorageNode): void {
  node.state.counters.lastSourceUpdate = Math.floor(Date.now() / 1000);
}
