import { Errno, StatusError } from 'fastdfs-protocol';
import type { Request } from '../server/handler.js';
import type { StorageNode } from '../storage-node.js';
import type { Located, Received, Store } from '../store.js';

/** A name is regenerated on a collision up to 10 times (storage_get_filename_ex, storage_service.c 2104-2130). */
const NAME_ATTEMPTS = 10;

/** Streams `size` content bytes of the request into a temp file under data/.tmp/, computing the CRC32. */
export function receiveContent(req: Request, node: StorageNode, size: number): Promise<Received> {
  return node.store.receive(size, (sink) => req.body.stream(size, sink));
}

/**
 * Moves `from` under the name `nameFor()` gives, asking for another on a collision (EEXIST);
 * never replaces an existing file. Used by uploads (11, 21, 23) and by 38 regenerate.
 */
export async function placeUnderFreshName(store: Store, from: string, nameFor: () => string): Promise<Located> {
  for (let attempt = 1; ; attempt++) {
    const target = store.locate(nameFor());
    try {
      await store.placeExclusive(from, target.path);
      return target;
    } catch (err) {
      if (!(err instanceof StatusError && err.status === Errno.EEXIST) || attempt >= NAME_ATTEMPTS) throw err;
    }
  }
}

/** Places a received temp file (see placeUnderFreshName) and returns its name; the temp file is removed on failure. */
export async function placeReceived(node: StorageNode, got: Received, nameFor: () => string): Promise<string> {
  try {
    return (await placeUnderFreshName(node.store, got.tmpPath, nameFor)).parsed.filename;
  } catch (err) {
    await node.store.discard(got.tmpPath);
    throw err;
  }
}
