import { Errno, StatusError } from 'fastdfs-protocol';
import type { Request } from '../server/handler.js';
import type { StorageNode } from '../storage-node.js';
import type { Located, Received, Store } from '../store.js';

/** A name is regenerated on a collision up to 10 times (storage_get_filename_ex, storage_service.c 2104-2130). */
const NAME_ATTEMPTS = 10;

/**
 * Content up to this size is taken whole into memory and written straight under its final name
 * (writeUnderFreshName); larger content is streamed into data/.tmp/ (receiveContent). A
 * connection holds up to 1 MiB unread already (server/socket-flow.ts HIGH_WATER).
 */
export const SMALL_CONTENT_BYTES = 256 * 1024;

/** Streams `size` content bytes of the request into a temp file under data/.tmp/, computing the CRC32. */
export function receiveContent(req: Request, node: StorageNode, size: number): Promise<Received> {
  return node.store.receive(size, (sink) => req.body.stream(size, sink));
}

/**
 * Writes `content` (all here) under the name `nameFor(now)` gives, `now` in seconds: the name's
 * timestamp, which the file's mtime is set to. A collision (EEXIST) asks for another name, as
 * placeUnderFreshName does; nothing is ever replaced. A failed write leaves no file (Store.writeNew).
 */
export async function writeUnderFreshName(
  store: Store,
  content: Uint8Array,
  nameFor: (createTimestamp: number) => string,
): Promise<Located> {
  for (let attempt = 1; ; attempt++) {
    const createTimestamp = Math.floor(Date.now() / 1000);
    const target = store.locate(nameFor(createTimestamp));
    try {
      await store.writeNew(target.path, content, createTimestamp);
      return target;
    } catch (err) {
      if (!isCollision(err) || attempt >= NAME_ATTEMPTS) throw err;
    }
  }
}

/**
 * Moves `from` under the name `nameFor()` gives, asking for another on a collision (EEXIST);
 * never replaces an existing file. A missing sub dir is created (Store.inSubdir). Used by
 * streamed uploads (11, 23), slave uploads (21) and by 38 regenerate.
 */
export async function placeUnderFreshName(store: Store, from: string, nameFor: () => string): Promise<Located> {
  for (let attempt = 1; ; attempt++) {
    const target = store.locate(nameFor());
    try {
      await store.inSubdir(target.path, () => store.placeExclusive(from, target.path));
      return target;
    } catch (err) {
      if (!isCollision(err) || attempt >= NAME_ATTEMPTS) throw err;
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

function isCollision(err: unknown): boolean {
  return err instanceof StatusError && err.status === Errno.EEXIST;
}
