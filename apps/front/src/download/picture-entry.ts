import { decodeFileId } from 'fastdfs-client-ts';
import type { FrontConf } from '../conf.js';
import { representationOf, type Representation } from './representation.js';

/**
 * A cached picture: its bytes and every response header precomputed, so that a hit is a map
 * lookup, the request's conditional headers checked, and one writeHead/end.
 */
export interface PictureEntry extends Representation {
  readonly body: Buffer;
}

/** The cache's `entryOf`: `fileId` is a validated id (the cache only holds ids the handler checked). */
export function pictureEntry(fileId: string, bytes: Buffer, conf: Pick<FrontConf, 'cache'>): PictureEntry {
  const rep = representationOf(decodeFileId(fileId), fileId, bytes.length, conf.cache.cacheControlMaxAge);
  return { ...rep, body: bytes };
}
