import { describe, expect, it } from 'vitest';
import { downloadTarget, fileIdOfPath } from '../../../apps/front/src/download/download-url.js';

const ID = 'group1/M00/00/0A/CgEBxVxREbmAUETXAAEqVyZGQRY768.jpg';

describe('downloadTarget', () => {
  it.each([
    [`/download.fcgi/${ID}`, ID, ''],
    [`/download.fcgi/${ID}?token=abc&ts=1`, ID, 'token=abc&ts=1'],
    [`/download.fcgi/${ID}?`, ID, ''],
    [`/${ID}`, ID, ''],
    [`/${ID}?x=1?y`, ID, 'x=1?y'],
    ['/download.fcgi/', '', ''],
    ['/download.fcgi//g/M00/x', '/g/M00/x', ''],
    ['/download.fcgi/%2e%2e/x', '%2e%2e/x', ''],
    ['/g/M0a/anything', 'g/M0a/anything', ''],
    [`/${'a'.repeat(16)}/MFF/`, `${'a'.repeat(16)}/MFF/`, ''],
  ])('%s → id %s, query %s (as written: never decoded, never normalised)', (url, fileId, query) => {
    expect(downloadTarget(url)).toEqual({ fileId, query });
  });

  it.each([
    '/',
    '',
    '/download.fcgi',
    '/download.fcgi?x=/g/M00/',
    '/download.fcgiX/g/M00/',
    '/upload.cgi',
    '/status',
    '/purge',
    '/metrics',
    '/group1/m00/00/00/x',
    '/group1/M0G/00/00/x',
    '/group1/M00',
    '/group1/M000/00/x',
    '//M00/00/00/x',
    `/${'a'.repeat(17)}/M00/00/00/x`,
    '/gr-p/M00/00/00/x',
    '/gr%70/M00/00/00/x',
    'http://host/group1/M00/00/00/x',
  ])('%s is not a download', (url) => {
    expect(downloadTarget(url)).toBeUndefined();
  });

  it('claims exactly the paths of the legacy prefix and the nginx-module shape', () => {
    const expressKnown = /^\/(download\.fcgi\/|[A-Za-z0-9]{1,16}\/M[0-9A-Fa-f]{2}\/)/;
    const paths = [
      `/download.fcgi/${ID}`,
      `/${ID}`,
      '/download.fcgi',
      '/a/M00/',
      '/a/M0z/',
      '/abcdefghijklmnop/M99/x',
      '/abcdefghijklmnopq/M99/x',
      '/a-b/M00/x',
      '/a/N00/x',
      '/status',
      '/x/Mab/',
      '/x/MAB/',
    ];
    for (const path of paths) expect(downloadTarget(path) !== undefined, path).toBe(expressKnown.test(path));
  });
});

describe('fileIdOfPath (PURGE on the same paths)', () => {
  it('gives the id of either form, undefined for other paths', () => {
    expect(fileIdOfPath(`/download.fcgi/${ID}`)).toBe(ID);
    expect(fileIdOfPath(`/${ID}`)).toBe(ID);
    expect(fileIdOfPath('/purge')).toBeUndefined();
  });
});
