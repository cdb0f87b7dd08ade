/** cmd 3005 bodies (docs/frame-protocol.md) byte for byte: request 92 bytes, response 68 bytes. */
import { describe, expect, it } from 'vitest';
import {
  CROP_REQUEST_SIZE,
  CROP_RESPONSE_SIZE,
  ResultCode,
  ResultError,
  decodeCropRequest,
  decodeCropResponse,
  encodeCropRequest,
  encodeCropResponse,
  type CropRequest,
} from '@pic-storage/frame-protocol';
import { caught, cat, field, hex } from '../../helpers/golden.js';

const FILE_ID = 'g01/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg';
const REQUEST: CropRequest = {
  hostid: 1,
  fdfsUrl: FILE_ID,
  clipW: 800,
  clipH: 600,
  startX: -10,
  startY: 20,
  thumbW: 100,
  thumbH: 50,
};
const REQUEST_BYTES = cat(
  hex('01000000'), //                      0  hostid 1
  field.str(FILE_ID, 64), //                4  fdfs_url char[64]
  hex('20030000 | 58020000'), //           68  clip_w 800, clip_h 600
  hex('f6ffffff | 14000000'), //           76  start_x -10, start_y 20
  hex('64000000 | 32000000'), //           84  thumb_w 100, thumb_h 50
);
const NEW_ID = 'g01/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c669.jpg';
const RESPONSE_BYTES = cat(hex('01000000'), field.str(NEW_ID, 64));

const badBody = (fn: () => unknown): string => {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ResultError);
  expect((err as ResultError).code).toBe(ResultCode.BAD_BODY);
  return (err as ResultError).message;
};

describe('crop (3005) request', () => {
  it('is 92 bytes, the golden layout', () => {
    expect(CROP_REQUEST_SIZE).toBe(92);
    expect(REQUEST_BYTES.length).toBe(92);
    expect(encodeCropRequest(REQUEST)).toEqual(REQUEST_BYTES);
    expect(decodeCropRequest(REQUEST_BYTES)).toEqual(REQUEST);
  });

  it('takes the widest values of each field', () => {
    const widest = { ...REQUEST, clipW: 2 ** 32 - 1, startX: -(2 ** 31), startY: 2 ** 31 - 1, thumbH: 0 };
    const bytes = encodeCropRequest(widest);
    expect(bytes.subarray(68, 72)).toEqual(hex('ffffffff'));
    expect(bytes.subarray(76, 84)).toEqual(hex('00000080 | ffffff7f'));
    expect(decodeCropRequest(bytes)).toEqual(widest);
  });

  it('an fdfs_url filling all 64 bytes (no NUL) is accepted', () => {
    const url = `http://pic.example.com/download.fcgi/${FILE_ID}`.slice(-64);
    expect(url.length).toBe(64);
    const bytes = encodeCropRequest({ ...REQUEST, fdfsUrl: url });
    expect(bytes.subarray(4, 68).includes(0)).toBe(false);
    expect(decodeCropRequest(bytes).fdfsUrl).toBe(url);
  });

  it.each([0, 91, 93, 184])('a %i-byte body is BAD_BODY', (size) => {
    const body = Buffer.alloc(size);
    REQUEST_BYTES.copy(body);
    expect(badBody(() => decodeCropRequest(body))).toBe(`crop (3005): body is ${size} bytes, expected 92`);
  });

  it('a non-ASCII fdfs_url is BAD_BODY', () => {
    const body = Buffer.from(REQUEST_BYTES);
    body[10] = 0xe4;
    expect(badBody(() => decodeCropRequest(body))).toBe('crop (3005): fdfs_url is not printable ASCII');
  });

  it('an fdfs_url over 64 characters is not encoded', () => {
    expect(() => encodeCropRequest({ ...REQUEST, fdfsUrl: 'x'.repeat(65) })).toThrow(RangeError);
  });
});

describe('crop (3005) response', () => {
  it('is 68 bytes: hostid, fdfs_url', () => {
    expect(CROP_RESPONSE_SIZE).toBe(68);
    expect(encodeCropResponse({ hostid: 1, fdfsUrl: NEW_ID })).toEqual(RESPONSE_BYTES);
    expect(decodeCropResponse(RESPONSE_BYTES)).toEqual({ hostid: 1, fdfsUrl: NEW_ID });
  });

  it.each([0, 4, 67, 69])('a %i-byte body is BAD_BODY', (size) => {
    expect(badBody(() => decodeCropResponse(Buffer.alloc(size)))).toBe(
      `crop (3005) response: body is ${size} bytes, expected 68`,
    );
  });
});
