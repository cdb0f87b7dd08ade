import { decodeFileRequest } from 'fastdfs-protocol';
import type { Request } from '../server/handler.js';
import type { StorageNode } from '../storage-node.js';
import type { Located } from '../store.js';

/**
 * The `group[16] + filename` body of 12 delete, 15 get metadata and 22 query file info: longer
 * than 16 bytes (storage_service.c 7727-7737), the group ours, else EINVAL (7755-7763).
 */
export async function readGroupFile(req: Request, node: StorageNode): Promise<Located> {
  const body = await req.body.all(node.options.maxSmallBody);
  const { group, filename } = decodeFileRequest(body, `cmd ${req.cmd}`);
  node.store.checkGroup(group);
  return node.store.locate(filename);
}
