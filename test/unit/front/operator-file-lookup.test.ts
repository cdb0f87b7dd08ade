import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lookUpFile, MAX_FILE_LOOKUP_LENGTH } from '../../../apps/front/src/operator/file-lookup.js';

/**
 * The id of the legacy stack's example answer. Its name's 27 base64 characters hold, big-endian:
 * 0a0101c5 (source 10.1.1.197), 5c5111b9 (created 1548816825), 805044d7 00012a57 (a size with the
 * random high bit: 0x12a57 = 76375 bytes), 26464116 (CRC32).
 */
const ID = 'g01/M00/00/00/CgEBxVxREbmAUETXAAEqVyZGQRY768.jpg';

const options = { isCached: (id: string) => id === ID, antiStealSecret: undefined, nowSeconds: 1_800_000_000 };

describe('lookUpFile', () => {
  it('decodes what the id holds: group, store path, source, creation time, size, CRC32, type', () => {
    expect(lookUpFile(ID, options)).toEqual({
      result: 'success',
      file_id: ID,
      group: 'g01',
      store_path: 'M00',
      type: 'normal',
      trunk: false,
      source_ip: '10.1.1.197',
      source_id: 0,
      create_timestamp: 1548816825,
      created: '2019-01-30T02:53:45.000Z',
      size: 76375,
      crc32: '26464116',
      ext: 'jpg',
      content_type: 'image/jpeg',
      cached: true,
      download_url: `/download.fcgi/${ID}`,
    });
  });

  it.each([
    [`/download.fcgi/${ID}`],
    [`/download.fcgi/${ID}?token=x&ts=1`],
    [`/${ID}`],
    [`http://pics.example.com:8081/download.fcgi/${ID}`],
    [`https://pics.example.com/${ID}?x=1`],
    [`  ${ID}\n`],
  ])('takes the id out of a download path or URL: %s', (input) => {
    expect(lookUpFile(input, options)).toMatchObject({ file_id: ID, cached: true });
  });

  it('says whether this front caches the file', () => {
    expect(lookUpFile(ID, { ...options, isCached: () => false })).toMatchObject({ cached: false });
  });

  it('with anti-steal tokens on, the download URL carries a token valid from now', () => {
    const secret = 'FastDFS1234567890';
    const found = lookUpFile(ID, { ...options, antiStealSecret: secret });
    const token = createHash('md5')
      .update(`M00/00/00/CgEBxVxREbmAUETXAAEqVyZGQRY768.jpg${secret}1800000000`)
      .digest('hex');
    expect(found).toMatchObject({ download_url: `/download.fcgi/${ID}?token=${token}&ts=1800000000` });
  });

  it.each([
    ['', /give a file id/],
    ['g01/M00/00/00/short.jpg', /invalid file id.*remote filename must be/],
    ['g-1/M00/00/00/CgEBxVxREbmAUETXAAEqVyZGQRY768.jpg', /group must be/],
    ['g01/M00/00/00/../../CgEBxVxREbmAUETXAAEqVy.jpg', /invalid file id/],
    ['/status', /not a download URL of this front/],
    ['http://example.com/status', /not a download URL of this front/],
    ['http://[bad', /not a download URL of this front/],
    ['x'.repeat(MAX_FILE_LOOKUP_LENGTH + 1), /at most 1024 characters/],
  ])('a bad id is a message saying what is wrong: %s', (input, message) => {
    const found = lookUpFile(input, options);
    expect(typeof found).toBe('string');
    expect(found).toMatch(message);
  });
});
