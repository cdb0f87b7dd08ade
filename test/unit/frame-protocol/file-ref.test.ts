/**
 * fileIdOfUrl: the `fdfs_url` fields name a file id, or a URL whose path ends in one; anything else
 * (from the network, never trusted) is BAD_ARGUMENT.
 */
import { describe, expect, it } from 'vitest';
import { FDFS_URL_SIZE, ResultCode, ResultError, fileIdOfUrl } from '@pic-storage/frame-protocol';
import { caught } from '../../helpers/golden.js';

const ID = 'g01/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg';

describe('fileIdOfUrl', () => {
  it('fdfs_url is char[64]', () => {
    expect(FDFS_URL_SIZE).toBe(64);
  });

  it.each([
    ['a file id', ID],
    ['a leading slash', `/${ID}`],
    ['the download path', `/download.fcgi/${ID}`],
    ['a full URL', `http://pic.example.com/download.fcgi/${ID}`],
    ['a URL with a query and fragment', `https://pic.example.com:8081/${ID}?token=abc&ts=1#x`],
    ['doubled slashes', `http://h//g01//M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg`],
  ])('%s gives the id', (_what, url) => {
    const parsed = fileIdOfUrl(url);
    expect(`${parsed.group}/${parsed.filename}`).toBe(ID);
    expect(parsed.basename).toBe('CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg');
  });

  it.each([
    ['empty', ''],
    ['too few components', 'g01/M00/00/x.jpg'],
    ['a traversal', 'g01/M00/../../CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg'],
    ['a bad group', 'g_1/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg'],
    ['a short name', 'g01/M00/00/00/x.jpg'],
    ['a bad store path', 'g01/X00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg'],
    ['only a host', 'http://pic.example.com/'],
  ])('%s is BAD_ARGUMENT', (_what, url) => {
    const err = caught(() => fileIdOfUrl(url));
    expect(err).toBeInstanceOf(ResultError);
    expect((err as ResultError).code).toBe(ResultCode.BAD_ARGUMENT);
    expect((err as ResultError).message).toContain(`fdfs_url ${JSON.stringify(url)}`);
  });
});
