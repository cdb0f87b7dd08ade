import { createHash } from 'node:crypto';
import type { FileIdInfo } from 'fastdfs-client-ts';
import { contentTypeOf } from './content-type.js';

/**
 * What the response headers say about one file, computed once (per cache entry, or per streamed
 * request) from its id and size. Header lists are raw flat `[name, value, name, value, …]`
 * arrays, handed to `writeHead` as they are (typed mutable for writeHead, shared: never changed).
 */
export interface Representation {
  readonly size: number;
  /** Strong: `"<crc32 hex>-<size hex>"` from the id, or `"<id hash>-<size hex>"` for appender/slave ids. */
  readonly etag: string;
  /** Seconds since the epoch: the creation time the id holds. */
  readonly lastModified: number;
  /** 200: Content-Type, Content-Length, ETag, Last-Modified, Cache-Control, Accept-Ranges, nosniff. */
  readonly headers: string[];
  /** 304: the validators and Cache-Control (RFC 9110 15.4.5). */
  readonly notModifiedHeaders: string[];
  /** The 200 headers without Content-Length, for 206. */
  readonly baseHeaders: string[];
}

export function representationOf(info: FileIdInfo, fileId: string, size: number, maxAge: number): Representation {
  const etag =
    info.type === 'normal'
      ? `"${info.crc32.toString(16).padStart(8, '0')}-${size.toString(16)}"`
      : `"${idHash(fileId)}-${size.toString(16)}"`;
  const lastModifiedText = new Date(info.createTimestamp * 1000).toUTCString();
  const cacheControl = `public, max-age=${maxAge}`;
  const baseHeaders = [
    'Content-Type',
    contentTypeOf(info.ext),
    'ETag',
    etag,
    'Last-Modified',
    lastModifiedText,
    'Cache-Control',
    cacheControl,
    'Accept-Ranges',
    'bytes',
    'X-Content-Type-Options',
    'nosniff',
  ];
  return {
    size,
    etag,
    lastModified: info.createTimestamp,
    headers: [...baseHeaders, 'Content-Length', String(size)],
    notModifiedHeaders: ['ETag', etag, 'Last-Modified', lastModifiedText, 'Cache-Control', cacheControl],
    baseHeaders,
  };
}

/** 206: the 200 headers with the range's Content-Range and length. */
export function partialHeaders(rep: Representation, start: number, end: number): string[] {
  return [
    ...rep.baseHeaders,
    'Content-Range',
    `bytes ${start}-${end}/${rep.size}`,
    'Content-Length',
    String(end - start + 1),
  ];
}

/** 416: what the size is (RFC 9110 14.4). */
export function unsatisfiableHeaders(rep: Representation): string[] {
  return ['Content-Range', `bytes */${rep.size}`, 'Content-Length', '0', 'Cache-Control', 'no-store'];
}

/**
 * An appender or slave id does not hold its size and CRC32: a hash of the id stands in for the
 * CRC32 (with the size beside it, an appender file that grew gets a new ETag).
 */
function idHash(fileId: string): string {
  return createHash('sha1').update(fileId).digest('hex').slice(0, 16);
}
