/** upload.cgi's JSON answers: the C CGI's field order, '/' written '\/', and JSON.parse giving back every value. */
import { describe, expect, it } from 'vitest';
import { ResultCode } from '@pic-storage/frame-protocol';
import { errorJson, legacyJson, successJson } from '../../../apps/front/src/upload/upload-json.js';

describe('upload.cgi JSON', () => {
  it('writes the success fields in the C order and escapes every slash', () => {
    const text = successJson({
      albumid: 3,
      photoid: 17,
      fileName: '2m.jpg',
      hostid: 0,
      lloc: 'g01/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg',
      len: 771347,
    });
    expect(text).toBe(
      '{"result":"success","albumid":3,"photoid":17,"file_name":"2m.jpg","hostid":0,' +
        '"lloc":"g01\\/M00\\/00\\/00\\/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg","len":771347}',
    );
    expect(JSON.parse(text).lloc).toBe('g01/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg');
  });

  it('writes an error as result, code, message', () => {
    expect(errorJson(ResultCode.SESSION_EXPIRED, 'a/b')).toBe('{"result":"error","code":1008,"message":"a\\/b"}');
  });

  it('gives back, through JSON.parse, names with slashes, backslashes, quotes, controls and any script', () => {
    const names = ['a\\/b', '\\', '\\\\/', '"/"', 'x\n/\t', '头像/😀.png', '</script>', '\u2028/\u2029', '\ud800/'];
    for (const name of names) {
      const text = legacyJson({ name });
      expect(text).not.toMatch(/(^|[^\\])(\\\\)*\//); // every '/' is escaped
      expect(JSON.parse(text)).toEqual({ name });
    }
  });
});
