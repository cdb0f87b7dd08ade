import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../apps/front/src/download/byte-range.js';
import { answerFor, readConditions } from '../../../apps/front/src/download/request-conditions.js';
import type { Representation } from '../../../apps/front/src/download/representation.js';

describe('parseRange (one range of a 1000-byte file)', () => {
  it.each([
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=100-', { start: 100, end: 999 }],
    ['bytes=-1', { start: 999, end: 999 }],
    ['bytes=-300', { start: 700, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes=500-99999999999999999999', { start: 500, end: 999 }],
    ['bytes=999-999', { start: 999, end: 999 }],
    ['BYTES=1-2', { start: 1, end: 2 }],
    [' bytes = 1 - 2 ', { start: 1, end: 2 }],
  ])('%s → %o', (header, range) => {
    expect(parseRange(header, 1000)).toEqual(range);
  });

  it.each(['bytes=1000-', 'bytes=1000-1001', 'bytes=5000-', 'bytes=-0', 'bytes=99999999999999999999-'])(
    '%s → unsatisfiable',
    (header) => {
      expect(parseRange(header, 1000)).toBe('unsatisfiable');
    },
  );

  it('every range of an empty file is unsatisfiable', () => {
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=-5', 0)).toBe('unsatisfiable');
  });

  it.each([
    'bytes=0-1,5-6',
    'bytes=5-1',
    'bytes=-',
    'bytes=',
    'bytes',
    'items=0-1',
    'bytes=a-b',
    'bytes=1.5-2',
    '',
    'bytes=0x10-',
  ])('%s → ignored (undefined: 200 whole)', (header) => {
    expect(parseRange(header, 1000)).toBeUndefined();
  });
});

describe('readConditions', () => {
  it('undefined when the request has none of the four (the hit fast path)', () => {
    expect(readConditions(['Host', 'x', 'Cache-Control', 'no-cache', 'Referer', 'y', 'Range-X', 'z'])).toBeUndefined();
    expect(readConditions([])).toBeUndefined();
  });

  it('reads names in any case; repeated If-None-Match lines make one list; otherwise the first counts', () => {
    expect(
      readConditions([
        'IF-NONE-MATCH',
        '"a"',
        'if-modified-since',
        'd1',
        'rAnGe',
        'bytes=0-1',
        'If-Range',
        '"b"',
        'If-None-Match',
        '"c"',
        'Range',
        'bytes=5-6',
        'If-Modified-Since',
        'd2',
      ]),
    ).toEqual({ ifNoneMatch: '"a", "c"', ifModifiedSince: 'd1', range: 'bytes=0-1', ifRange: '"b"' });
  });
});

const rep: Representation = {
  size: 1000,
  etag: '"0badf00d-3e8"',
  lastModified: 1_700_000_000,
  headers: [],
  notModifiedHeaders: [],
  baseHeaders: [],
};
const LAST_MODIFIED = new Date(rep.lastModified * 1000).toUTCString();
const conditions = (c: Partial<NonNullable<ReturnType<typeof readConditions>>>) => ({
  ifNoneMatch: undefined,
  ifModifiedSince: undefined,
  range: undefined,
  ifRange: undefined,
  ...c,
});

describe('answerFor', () => {
  it.each([
    ['no conditions', undefined, 200],
    ['INM exact', conditions({ ifNoneMatch: rep.etag }), 304],
    ['INM weak', conditions({ ifNoneMatch: `W/${rep.etag}` }), 304],
    ['INM list', conditions({ ifNoneMatch: `"x", W/"y",${rep.etag}` }), 304],
    ['INM *', conditions({ ifNoneMatch: ' * ' }), 304],
    ['INM other', conditions({ ifNoneMatch: '"0badf00d-3e9"' }), 200],
    ['INM unquoted tag', conditions({ ifNoneMatch: '0badf00d-3e8' }), 200],
    ['IMS equal', conditions({ ifModifiedSince: LAST_MODIFIED }), 304],
    ['IMS later', conditions({ ifModifiedSince: new Date((rep.lastModified + 60) * 1000).toUTCString() }), 304],
    ['IMS earlier', conditions({ ifModifiedSince: new Date((rep.lastModified - 1) * 1000).toUTCString() }), 200],
    ['IMS garbage', conditions({ ifModifiedSince: 'not a date' }), 200],
    ['INM miss wins over IMS hit', conditions({ ifNoneMatch: '"other"', ifModifiedSince: LAST_MODIFIED }), 200],
    ['INM hit beats a Range', conditions({ ifNoneMatch: rep.etag, range: 'bytes=0-1' }), 304],
    ['Range', conditions({ range: 'bytes=0-1' }), { start: 0, end: 1 }],
    ['Range unsatisfiable', conditions({ range: 'bytes=1000-' }), 416],
    ['Range malformed', conditions({ range: 'bytes=x' }), 200],
    ['If-Range ETag', conditions({ range: 'bytes=0-1', ifRange: rep.etag }), { start: 0, end: 1 }],
    ['If-Range weak ETag', conditions({ range: 'bytes=0-1', ifRange: `W/${rep.etag}` }), 200],
    ['If-Range other ETag', conditions({ range: 'bytes=0-1', ifRange: '"nope"' }), 200],
    ['If-Range date', conditions({ range: 'bytes=0-1', ifRange: LAST_MODIFIED }), { start: 0, end: 1 }],
    ['If-Range later date', conditions({ range: 'bytes=0-1', ifRange: new Date().toUTCString() }), 200],
    ['If-Range not-a-date', conditions({ range: 'bytes=0-1', ifRange: 'soon' }), 200],
  ] as const)('GET, %s → %o', (_what, c, answer) => {
    expect(answerFor(c, rep, true)).toEqual(answer);
  });

  it('HEAD ignores Range (RFC 9110 14.2: range handling is defined for GET only) but not validators', () => {
    expect(answerFor(conditions({ range: 'bytes=0-1' }), rep, false)).toBe(200);
    expect(answerFor(conditions({ range: 'bytes=5000-' }), rep, false)).toBe(200);
    expect(answerFor(conditions({ ifNoneMatch: rep.etag }), rep, false)).toBe(304);
  });
});
