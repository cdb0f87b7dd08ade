import { type ByteRange, parseRange } from './byte-range.js';
import type { Representation } from './representation.js';

/** The request headers that change a download's answer; absent ones are undefined. */
export interface RequestConditions {
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  range: string | undefined;
  ifRange: string | undefined;
}

/**
 * Reads the four from the raw header list (no headers object is built for a download), or
 * undefined when the request has none of them: the common case, which allocates nothing.
 * Repeated If-None-Match lines are one list (RFC 9110 5.3); of the others the first counts.
 */
export function readConditions(raw: readonly string[]): RequestConditions | undefined {
  let found: RequestConditions | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const first = name.charCodeAt(0) | 0x20; // lower case
    if (first !== 0x69 /* i */ && first !== 0x72 /* r */) continue;
    const length = name.length;
    if (length !== 13 && length !== 17 && length !== 5 && length !== 8) continue;
    const lower = name.toLowerCase();
    const value = raw[i + 1] as string;
    found ??= { ifNoneMatch: undefined, ifModifiedSince: undefined, range: undefined, ifRange: undefined };
    if (lower === 'if-none-match') {
      found.ifNoneMatch = found.ifNoneMatch === undefined ? value : `${found.ifNoneMatch}, ${value}`;
    } else if (lower === 'if-modified-since') found.ifModifiedSince ??= value;
    else if (lower === 'range') found.range ??= value;
    else if (lower === 'if-range') found.ifRange ??= value;
  }
  return found;
}

/** How to answer: the whole file, 304, 416, or one range (206). */
export type Answer = 200 | 304 | 416 | ByteRange;

/**
 * RFC 9110 13.2.2 for GET and HEAD: If-None-Match (weak comparison, lists, `*`) decides when
 * present, else If-Modified-Since (against the id's creation time, to the second); then, for
 * GET only, Range, honoured only when If-Range, if any, names this representation: an ETag by
 * strong comparison or exactly its Last-Modified date (the content under an id never changes,
 * so that date is a strong validator). An unreadable date is ignored.
 */
export function answerFor(conditions: RequestConditions | undefined, rep: Representation, isGet: boolean): Answer {
  if (conditions === undefined) return 200;
  if (conditions.ifNoneMatch !== undefined) {
    if (noneMatchHits(conditions.ifNoneMatch, rep.etag)) return 304;
  } else if (conditions.ifModifiedSince !== undefined) {
    const since = Date.parse(conditions.ifModifiedSince);
    if (!Number.isNaN(since) && rep.lastModified <= Math.floor(since / 1000)) return 304;
  }
  if (!isGet || conditions.range === undefined) return 200;
  if (conditions.ifRange !== undefined && !ifRangeHits(conditions.ifRange, rep)) return 200;
  const range = parseRange(conditions.range, rep.size);
  if (range === undefined) return 200;
  return range === 'unsatisfiable' ? 416 : range;
}

function noneMatchHits(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === etag) return true;
  }
  return false;
}

function ifRangeHits(header: string, rep: Representation): boolean {
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === rep.etag; // weak never matches
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === rep.lastModified * 1000;
}
