import { describe, expect, it } from 'vitest';
import { buildRemoteFilename, buildSlaveFilename } from 'fastdfs-protocol';
import { contentTypeOf } from '../../../apps/front/src/download/content-type.js';
import { pictureEntry } from '../../../apps/front/src/download/picture-entry.js';
import { partialHeaders, unsatisfiableHeaders } from '../../../apps/front/src/download/representation.js';

const CREATED = 1_700_000_123;
const fields = {
  source: '10.1.1.197',
  createTimestamp: CREATED,
  crc32: 0x0badf00d,
  storePathIndex: 0,
  subdirHigh: 1,
  subdirLow: 2,
  random: () => 3,
};
const conf = { cache: { memoryBytes: 1, maxObjectBytes: 1, cacheControlMaxAge: 3600, redis: undefined } };

/** [name, value, ...] → { name: value } */
function asObject(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) out[raw[i]!] = raw[i + 1]!;
  return out;
}

describe('pictureEntry', () => {
  it('precomputes the 200 and 304 headers from the id (CRC32, size, creation time) and the body', () => {
    const body = Buffer.alloc(0x1234, 1);
    const id = `group1/${buildRemoteFilename({ ...fields, fileSize: body.length, ext: 'jpg' })}`;
    const entry = pictureEntry(id, body, conf);
    expect(entry.body).toBe(body);
    expect(entry.size).toBe(0x1234);
    expect(entry.etag).toBe('"0badf00d-1234"');
    expect(entry.lastModified).toBe(CREATED);
    const lastModified = 'Tue, 14 Nov 2023 22:15:23 GMT';
    expect(asObject(entry.headers)).toEqual({
      'Content-Type': 'image/jpeg',
      'Content-Length': '4660',
      ETag: '"0badf00d-1234"',
      'Last-Modified': lastModified,
      'Cache-Control': 'public, max-age=3600',
      'Accept-Ranges': 'bytes',
      'X-Content-Type-Options': 'nosniff',
    });
    expect(asObject(entry.notModifiedHeaders)).toEqual({
      ETag: '"0badf00d-1234"',
      'Last-Modified': lastModified,
      'Cache-Control': 'public, max-age=3600',
    });
    expect(asObject(partialHeaders(entry, 10, 19))).toMatchObject({
      'Content-Range': 'bytes 10-19/4660',
      'Content-Length': '10',
      ETag: '"0badf00d-1234"',
    });
    expect(asObject(unsatisfiableHeaders(entry))).toEqual({
      'Content-Range': 'bytes */4660',
      'Content-Length': '0',
      'Cache-Control': 'no-store',
    });
  });

  it('pads the CRC32 to 8 hex digits', () => {
    const id = `g/${buildRemoteFilename({ ...fields, crc32: 0xab, fileSize: 1, ext: 'png' })}`;
    expect(pictureEntry(id, Buffer.alloc(1), conf).etag).toBe('"000000ab-1"');
  });

  it('a slave id (no size, no CRC32 in it): a hash of the id, distinct per id', () => {
    const master = buildRemoteFilename({ ...fields, fileSize: 100, ext: 'jpg' });
    const a = pictureEntry(`g/${buildSlaveFilename(master, '_150x150', 'jpg')}`, Buffer.alloc(50), conf);
    const b = pictureEntry(`g/${buildSlaveFilename(master, '_300x300', 'jpg')}`, Buffer.alloc(50), conf);
    expect(a.etag).toMatch(/^"[0-9a-f]{16}-32"$/);
    expect(b.etag).toMatch(/^"[0-9a-f]{16}-32"$/);
    expect(a.etag).not.toBe(b.etag);
    expect(asObject(a.headers)['Content-Type']).toBe('image/jpeg');
  });

  it('an invalid id throws (the cache only ever holds validated ids)', () => {
    expect(() => pictureEntry('group1/../../etc/passwd', Buffer.alloc(1), conf)).toThrow(/invalid file id/);
  });
});

describe('contentTypeOf', () => {
  it.each([
    ['jpg', 'image/jpeg'],
    ['JPG', 'image/jpeg'],
    ['jpeg', 'image/jpeg'],
    ['png', 'image/png'],
    ['gif', 'image/gif'],
    ['webp', 'image/webp'],
    ['html', 'application/octet-stream'],
    ['svg', 'application/octet-stream'],
    ['', 'application/octet-stream'],
  ])('%s → %s', (ext, type) => {
    expect(contentTypeOf(ext)).toBe(type);
  });
});
