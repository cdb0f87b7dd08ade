/** One byte range of a file, both ends inclusive (as Content-Range writes them). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A Range header against a file of `size` bytes (RFC 9110 14.1-14.2): one range, `bytes=a-b`,
 * `bytes=a-` or `bytes=-n` (the last n bytes). 'unsatisfiable' when it starts at or past the end,
 * asks for the last 0 bytes, or the file is empty (416). undefined, to serve the whole file with
 * 200 as RFC 9110 allows, for everything else: several ranges, another unit, `b < a`, garbage.
 */
export function parseRange(header: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  const m = RANGE_RE.exec(header);
  if (m === null) return undefined;
  const first = m[1] as string;
  const last = m[2] as string;
  if (first === '') {
    if (last === '') return undefined;
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/** The unit is case-insensitive; blanks around the parts are tolerated. A comma (a second range) fails to match. */
const RANGE_RE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;
