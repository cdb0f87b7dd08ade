/**
 * The metadata commands' bodies (4001 register, 4002 remove, 4003 list) byte for byte against
 * hand-written golden bytes of the layouts in docs/frame-protocol.md, both directions, and every
 * malformed body: BAD_BODY for a length or content that does not match, BAD_ARGUMENT for a field
 * out of range.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALL_ALBUMS,
  MAX_LIST_LIMIT,
  PICTURE_RECORD_SIZE,
  PICTURE_ROW_SIZE,
  ResultCode,
  ResultError,
  clipPictureName,
  decodeMetadataListRequest,
  decodeMetadataListResponse,
  decodeMetadataRegisterRequest,
  decodeMetadataRegisterResponse,
  decodeMetadataRemoveRequest,
  decodeMetadataRemoveResponse,
  encodeMetadataListRequest,
  encodeMetadataListResponse,
  encodeMetadataRegisterRequest,
  encodeMetadataRegisterResponse,
  encodeMetadataRemoveRequest,
  encodeMetadataRemoveResponse,
  type PictureRecord,
} from '@pic-storage/frame-protocol';
import { caught, cat, field, hex } from '../../helpers/golden.js';

const FILE_ID = 'g01/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg';

const RECORD: PictureRecord = {
  uid: 12345,
  albumid: 3,
  hostid: 0,
  fdfsUrl: FILE_ID,
  name: '照片.jpg',
  type: 'jpg',
  size: 771347,
  width: 800,
  height: 600,
  time: 1549867346,
};

// The 228-byte record of RECORD, field by field (little-endian integers).
const RECORD_BYTES = cat(
  hex('39300000 | 03000000 | 00000000'), // uid 12345, albumid 3, hostid 0
  field.str(FILE_ID, 64),
  hex('e785a7 e78987 2e6a7067'), // name "照片.jpg" in UTF-8 ...
  Buffer.alloc(128 - 10), // ... NUL-padded to char[128]
  field.str('jpg', 8),
  hex('13c50b00 | 20030000 | 58020000 | 5219615c'), // size 771347, 800 x 600, time 0x5c611952
);

function resultCodeOf(fn: () => unknown): number {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ResultError);
  return (err as ResultError).code;
}

describe('4001 metadata register', () => {
  it('request: the 228-byte record, golden bytes both ways', () => {
    expect(RECORD_BYTES.length).toBe(228);
    expect(PICTURE_RECORD_SIZE).toBe(228);
    expect(encodeMetadataRegisterRequest(RECORD)).toEqual(RECORD_BYTES);
    expect(decodeMetadataRegisterRequest(RECORD_BYTES)).toEqual(RECORD);
  });

  it('response: photoid uint32', () => {
    expect(encodeMetadataRegisterResponse(0x01020304)).toEqual(hex('04030201'));
    expect(decodeMetadataRegisterResponse(hex('ffffffff'))).toBe(0xffffffff);
    expect(resultCodeOf(() => decodeMetadataRegisterResponse(hex('0102')))).toBe(ResultCode.BAD_BODY);
  });

  it('a body one byte short or long is BAD_BODY', () => {
    expect(resultCodeOf(() => decodeMetadataRegisterRequest(RECORD_BYTES.subarray(0, 227)))).toBe(ResultCode.BAD_BODY);
    expect(resultCodeOf(() => decodeMetadataRegisterRequest(cat(RECORD_BYTES, hex('00'))))).toBe(ResultCode.BAD_BODY);
    expect(resultCodeOf(() => decodeMetadataRegisterRequest(Buffer.alloc(0)))).toBe(ResultCode.BAD_BODY);
  });

  it('a name that is not UTF-8 or holds a control character is BAD_BODY; a non-ASCII fdfs_url too', () => {
    const badUtf8 = Buffer.from(RECORD_BYTES);
    badUtf8[76] = 0xff;
    expect(resultCodeOf(() => decodeMetadataRegisterRequest(badUtf8))).toBe(ResultCode.BAD_BODY);
    const control = Buffer.from(RECORD_BYTES);
    control[76] = 0x0a;
    expect(resultCodeOf(() => decodeMetadataRegisterRequest(control))).toBe(ResultCode.BAD_BODY);
    const url = Buffer.from(RECORD_BYTES);
    url[12] = 0x80;
    expect(resultCodeOf(() => decodeMetadataRegisterRequest(url))).toBe(ResultCode.BAD_BODY);
  });

  it('a name filling all 128 bytes has no NUL and is accepted; a longer one is refused by the encoder', () => {
    const full = { ...RECORD, name: 'n'.repeat(128) };
    expect(decodeMetadataRegisterRequest(encodeMetadataRegisterRequest(full)).name).toBe('n'.repeat(128));
    expect(() => encodeMetadataRegisterRequest({ ...RECORD, name: 'n'.repeat(129) })).toThrow(RangeError);
  });

  it('clipPictureName cuts at a character boundary and drops control characters', () => {
    expect(clipPictureName('a\tb\u0000c.jpg')).toBe('abc.jpg');
    const long = '照'.repeat(50); // 150 bytes
    const clipped = clipPictureName(long);
    expect(clipped).toBe('照'.repeat(42)); // 126 bytes: a 43rd would need 129
    expect(encodeMetadataRegisterRequest({ ...RECORD, name: clipped }).length).toBe(228);
  });
});

describe('4002 metadata remove', () => {
  const body = cat(hex('07000000'), field.str(FILE_ID, 64)); // hostid 7

  it('request: one 68-byte pic_info, golden bytes both ways', () => {
    expect(encodeMetadataRemoveRequest({ hostid: 7, url: FILE_ID })).toEqual(body);
    expect(decodeMetadataRemoveRequest(body)).toEqual({ hostid: 7, url: FILE_ID });
  });

  it('response: removed uint32, 1 or 0', () => {
    expect(encodeMetadataRemoveResponse(true)).toEqual(hex('01000000'));
    expect(encodeMetadataRemoveResponse(false)).toEqual(hex('00000000'));
    expect(decodeMetadataRemoveResponse(hex('01000000'))).toBe(true);
    expect(decodeMetadataRemoveResponse(hex('00000000'))).toBe(false);
  });

  it('a body that is not 68 bytes is BAD_BODY (a 3030-style list with file_cnt is not accepted)', () => {
    expect(resultCodeOf(() => decodeMetadataRemoveRequest(body.subarray(0, 67)))).toBe(ResultCode.BAD_BODY);
    expect(resultCodeOf(() => decodeMetadataRemoveRequest(cat(hex('01000000'), body)))).toBe(ResultCode.BAD_BODY);
  });
});

describe('4003 metadata list', () => {
  const request = hex('39300000 | ffffffff | 2a000000 | 0a000000'); // uid 12345, ALL_ALBUMS, before 42, limit 10

  it('request: 16 bytes, golden bytes both ways', () => {
    const decoded = { uid: 12345, albumid: ALL_ALBUMS, beforePhotoid: 42, limit: 10 };
    expect(encodeMetadataListRequest(decoded)).toEqual(request);
    expect(decodeMetadataListRequest(request)).toEqual(decoded);
  });

  it('limit 0 or over 100 is BAD_ARGUMENT; a body that is not 16 bytes BAD_BODY', () => {
    const limit = (n: number) => encodeMetadataListRequest({ uid: 1, albumid: 0, beforePhotoid: 0, limit: n });
    expect(resultCodeOf(() => decodeMetadataListRequest(limit(0)))).toBe(ResultCode.BAD_ARGUMENT);
    expect(resultCodeOf(() => decodeMetadataListRequest(limit(MAX_LIST_LIMIT + 1)))).toBe(ResultCode.BAD_ARGUMENT);
    expect(decodeMetadataListRequest(limit(MAX_LIST_LIMIT)).limit).toBe(100);
    expect(resultCodeOf(() => decodeMetadataListRequest(request.subarray(0, 12)))).toBe(ResultCode.BAD_BODY);
  });

  it('response: count, next_before, then photoid + record per row', () => {
    const body = cat(hex('02000000 | 05000000'), hex('09000000'), RECORD_BYTES, hex('05000000'), RECORD_BYTES);
    const page = {
      rows: [
        { photoid: 9, ...RECORD },
        { photoid: 5, ...RECORD },
      ],
      nextBefore: 5,
    };
    expect(PICTURE_ROW_SIZE).toBe(232);
    expect(encodeMetadataListResponse(page)).toEqual(body);
    expect(decodeMetadataListResponse(body)).toEqual(page);
    expect(encodeMetadataListResponse({ rows: [], nextBefore: 0 })).toEqual(hex('00000000 00000000'));
  });

  it('a response whose count does not match its length is BAD_BODY', () => {
    const body = cat(hex('02000000 | 00000000'), hex('09000000'), RECORD_BYTES);
    expect(resultCodeOf(() => decodeMetadataListResponse(body))).toBe(ResultCode.BAD_BODY);
    expect(resultCodeOf(() => decodeMetadataListResponse(hex('0100')))).toBe(ResultCode.BAD_BODY);
  });
});

describe('docs/frame-protocol.md, cmds 4001-4003', () => {
  const doc = readFileSync(new URL('../../../docs/frame-protocol.md', import.meta.url), 'utf8');
  const section = doc.split(/^## /m).find((part) => part.startsWith('cmds 4001-4003')) ?? '';

  it('its example request is what the encoder writes', () => {
    const example = /Example: uid 12345, every album, from the newest, 10 rows: `([0-9a-f ]+)`/.exec(section);
    expect(example).not.toBeNull();
    const encoded = encodeMetadataListRequest({ uid: 12345, albumid: ALL_ALBUMS, beforePhotoid: 0, limit: 10 });
    expect(encoded).toEqual(hex(example?.[1] ?? ''));
  });

  it('its record table ends at offset 224 + 4 = 228 bytes, and the list limit is 1..100', () => {
    expect(section).toMatch(/\| 224 \| time \| uint32 \|/);
    expect(section).toMatch(/\| 12 \| limit \| uint32 \| rows wanted, 1\.\.100 \|/);
    expect(PICTURE_RECORD_SIZE).toBe(224 + 4);
    expect(MAX_LIST_LIMIT).toBe(100);
  });
});
