/** cmd 3030 response (docs/frame-protocol.md): file_cnt uint32, then one uint32 result per file, in request order. */
import { describe, expect, it } from 'vitest';
import {
  ResultCode,
  ResultError,
  decodeBatchDeleteResponse,
  encodeBatchDeleteResponse,
} from '@pic-storage/frame-protocol';
import { caught, hex } from '../../helpers/golden.js';

const RESULTS = [0, ResultCode.NOT_FOUND, ResultCode.STORAGE_UNAVAILABLE];
const GOLDEN = hex('03000000 | 00000000 | ec030000 | ed030000');

function badBody(body: Buffer): string {
  const err = caught(() => decodeBatchDeleteResponse(body));
  expect(err).toBeInstanceOf(ResultError);
  expect((err as ResultError).code).toBe(ResultCode.BAD_BODY);
  return (err as ResultError).message;
}

describe('batch delete (3030) response', () => {
  it('is 4 + 4·file_cnt bytes, the golden layout', () => {
    expect(encodeBatchDeleteResponse(RESULTS)).toEqual(GOLDEN);
    expect(decodeBatchDeleteResponse(GOLDEN)).toEqual(RESULTS);
  });

  it('an empty list is file_cnt 0 alone', () => {
    expect(encodeBatchDeleteResponse([])).toEqual(hex('00000000'));
    expect(decodeBatchDeleteResponse(hex('00000000'))).toEqual([]);
  });

  it.each([
    ['counts more results than it holds', hex('04000000 00000000 ec030000 ed030000')],
    ['counts fewer results than it holds', hex('02000000 00000000 ec030000 ed030000')],
    ['has a partial result', hex('01000000 000000')],
    ['counts 2^32-1', hex('ffffffff 00000000')],
  ])('a body that %s is BAD_BODY', (_what, body) => {
    expect(badBody(body)).toMatch(/^batch delete \(3030\) response: file_cnt \d+ does not match a \d+-byte body$/);
  });

  it('a body shorter than file_cnt is BAD_BODY', () => {
    expect(badBody(hex('0100'))).toBe('batch delete (3030) response: need 4 bytes at offset 0, body has 2');
  });
});
