/**
 * The picture list of cmd 3002 and 3030 requests (docs/frame-protocol.md): file_cnt uint32, then file_cnt ×
 * (hostid uint32, url char[64]); exactly 4 + 68·file_cnt bytes. A count that lies is BAD_BODY;
 * a count of 0 or over MAX_PIC_COUNT is BAD_ARGUMENT.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_PIC_COUNT,
  PIC_INFO_SIZE,
  ResultCode,
  ResultError,
  decodeBatchDeleteRequest,
  decodePicList,
  decodeQueueDeletesRequest,
  encodeBatchDeleteRequest,
  encodePicList,
  encodeQueueDeletesRequest,
  type PicInfo,
} from '@pic-storage/frame-protocol';
import { caught, cat, field, hex } from '../../helpers/golden.js';

const A = 'g01/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg';
const B = 'http://pic.example.com/download.fcgi/g02/M01/0A/1F/x.png'; // checked later, by the service
const PICS: PicInfo[] = [
  { hostid: 0, url: A },
  { hostid: 7, url: B },
];
const GOLDEN = cat(
  hex('02000000'), //                         0  file_cnt 2
  hex('00000000'), //                         4  [0].hostid 0
  field.str(A, 64), //                        8  [0].url
  hex('07000000'), //                        72  [1].hostid 7
  field.str(B, 64), //                       76  [1].url
);

function refused(fn: () => unknown, code: number): string {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ResultError);
  expect((err as ResultError).code).toBe(code);
  return (err as ResultError).message;
}

describe('picture list', () => {
  it('is 4 + 68·file_cnt bytes, the golden layout', () => {
    expect(PIC_INFO_SIZE).toBe(68);
    expect(GOLDEN.length).toBe(4 + 68 * 2);
    expect(encodePicList(PICS)).toEqual(GOLDEN);
    expect(decodePicList(GOLDEN, 'test')).toEqual(PICS);
  });

  it('3002 and 3030 requests are the same bytes', () => {
    expect(encodeQueueDeletesRequest(PICS)).toEqual(GOLDEN);
    expect(encodeBatchDeleteRequest(PICS)).toEqual(GOLDEN);
    expect(decodeQueueDeletesRequest(GOLDEN)).toEqual(PICS);
    expect(decodeBatchDeleteRequest(GOLDEN)).toEqual(PICS);
  });

  it('urls filling all 64 bytes are accepted', () => {
    const brim = `/download.fcgi/${A}`.padStart(64, '/');
    expect(brim.length).toBe(64);
    const pics = [{ hostid: 1, url: brim }];
    const bytes = encodePicList(pics);
    expect(bytes.subarray(8).includes(0)).toBe(false);
    expect(decodePicList(bytes, 'test')).toEqual(pics);
  });

  it('MAX_PIC_COUNT entries are accepted, one more is BAD_ARGUMENT', () => {
    const pics = Array.from({ length: MAX_PIC_COUNT }, (_, i) => ({ hostid: i, url: A }));
    expect(decodePicList(encodePicList(pics), 'test')).toHaveLength(MAX_PIC_COUNT);
    const over = encodePicList([...pics, { hostid: 0, url: A }]);
    expect(refused(() => decodeQueueDeletesRequest(over), ResultCode.BAD_ARGUMENT)).toBe(
      `queue deletes (3002): file_cnt ${MAX_PIC_COUNT + 1} not in 1..${MAX_PIC_COUNT}`,
    );
  });

  it('file_cnt 0 (a 4-byte body) is BAD_ARGUMENT', () => {
    expect(refused(() => decodeBatchDeleteRequest(hex('00000000')), ResultCode.BAD_ARGUMENT)).toBe(
      `batch delete (3030): file_cnt 0 not in 1..${MAX_PIC_COUNT}`,
    );
  });

  it.each([
    ['counts one more than it holds', 3, GOLDEN.subarray(4)],
    ['counts one less than it holds', 1, GOLDEN.subarray(4)],
    ['counts 2^32-1', 0xffffffff, GOLDEN.subarray(4)],
    ['counts 0 but holds one', 0, GOLDEN.subarray(4, 72)],
    ['has a short entry', 2, GOLDEN.subarray(4, GOLDEN.length - 1)],
    ['has a byte past its entries', 2, Buffer.concat([GOLDEN.subarray(4), hex('00')])],
  ])('a list that %s is BAD_BODY', (_what, count, entries) => {
    const countBytes = Buffer.alloc(4);
    countBytes.writeUInt32LE(count);
    const body = Buffer.concat([countBytes, entries]);
    expect(refused(() => decodeQueueDeletesRequest(body), ResultCode.BAD_BODY)).toBe(
      `queue deletes (3002): file_cnt ${count} does not match a ${body.length}-byte body`,
    );
  });

  it.each([0, 1, 3])('a %i-byte body (no room for file_cnt) is BAD_BODY', (size) => {
    expect(refused(() => decodeBatchDeleteRequest(Buffer.alloc(size)), ResultCode.BAD_BODY)).toBe(
      `batch delete (3030): body is ${size} bytes, shorter than file_cnt`,
    );
  });

  it('a non-ASCII url names its entry (BAD_BODY)', () => {
    const body = Buffer.from(GOLDEN);
    body[80] = 0xc3;
    expect(refused(() => decodeQueueDeletesRequest(body), ResultCode.BAD_BODY)).toBe(
      'queue deletes (3002): pic_info[1].url is not printable ASCII',
    );
  });
});
