/*
 * 38 REGENERATE_APPENDER_FILENAME (storage_service.c 4979-5039, rename 4839-4977): the body is
 * the appender filename, 44..127 bytes. Turns the appender file into a normal one: the new name
 * keeps the sub dir (`M00/XX/YY/`) and the 7-char ext part, and encodes now, the size and the
 * CRC32 of the content. Decision: the `-m` metadata file moves with it (the C server leaves it
 * behind), under the new name's lock too; it never replaces a `-m` already set on the new name.
 */
import {
  decodeRegenerateRequest,
  encodeGroupFile,
  encodeNameBase64,
  Errno,
  EXT_PART_LENGTH,
  PATH_PREFIX_LENGTH,
  StatusError,
} from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { META_SUFFIX, type Store } from '../store.js';
import { locateAppender } from './appender-file.js';
import { markSourceUpdate } from './counters.js';
import { placeUnderFreshName } from './place.js';

export const regenerateAppender: Handler = async (req, node) => {
  const { options, store } = node;
  const appender = decodeRegenerateRequest(await req.body.all(options.maxSmallBody));
  const { loc } = await locateAppender(node, appender);
  const filename = await store.withLock(loc.path, async () => {
    const st = await store.regularFile(loc.path);
    const crc = await store.crc32Of(loc.path);
    const pathPrefix = loc.parsed.filename.slice(0, PATH_PREFIX_LENGTH);
    const extPart = loc.parsed.filename.slice(-EXT_PART_LENGTH);
    const target = await placeUnderFreshName(store, loc.path, () => {
      const createTimestamp = Math.floor(Date.now() / 1000);
      const base64 = encodeNameBase64({ source: options.sourceIp, createTimestamp, fileSize: st.size, crc32: crc });
      return pathPrefix + base64 + extPart;
    });
    await store.withLock(target.path, () => moveMetadata(store, loc.path, target.path));
    return target.parsed.filename;
  });
  markSourceUpdate(node);
  return { body: encodeGroupFile({ group: options.groupName, filename }) };
};

/** Moves `from`'s `-m` file to `to`'s: none is fine; one already set on `to` (EEXIST) wins. */
async function moveMetadata(store: Store, from: string, to: string): Promise<void> {
  try {
    await store.placeExclusive(from + META_SUFFIX, to + META_SUFFIX);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    if (!(err instanceof StatusError && err.status === Errno.EEXIST)) throw err;
    await store.discard(from + META_SUFFIX);
  }
}
