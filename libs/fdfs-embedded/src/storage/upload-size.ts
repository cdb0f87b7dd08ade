import { Errno, StatusError } from 'fastdfs-protocol';
import type { StorageNode } from '../storage-node.js';

/**
 * Whether `size` content bytes may be written: ENOSPC over maxUploadSize (this server's limit;
 * a real storage has none) or over the free space of the store path.
 */
export async function checkUploadSize(node: StorageNode, size: number): Promise<void> {
  const { maxUploadSize } = node.options;
  if (size > maxUploadSize) throw new StatusError(Errno.ENOSPC, `${size} bytes exceeds maxUploadSize ${maxUploadSize}`);
  if ((await node.store.diskSpace()).freeBytes < size) {
    throw new StatusError(Errno.ENOSPC, 'no space left on the store path');
  }
}
