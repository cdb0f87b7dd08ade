import { Errno, StatusError } from 'fastdfs-protocol';
import type { StorageNode } from '../storage-node.js';

/**
 * Whether `size` content bytes may be written: EFBIG ("file too large") over maxUploadSize (this
 * server's limit; a real storage has none), ENOSPC over the free space of the store path (a
 * statfs at most a second old, less what was accepted since: Store.acceptBytes).
 */
export async function checkUploadSize(node: StorageNode, size: number): Promise<void> {
  checkMaxUploadSize(node, size);
  await node.store.acceptBytes(size);
}

/** EFBIG when `size` is over maxUploadSize (max_upload_file_size). */
export function checkMaxUploadSize(node: StorageNode, size: number): void {
  const { maxUploadSize } = node.options;
  if (size > maxUploadSize) {
    throw new StatusError(Errno.EFBIG, `${size} bytes > max_upload_file_size ${maxUploadSize}`);
  }
}
