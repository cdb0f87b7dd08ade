import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AntiSteal, MAX_PLACEHOLDER_BYTES } from '../../../apps/front/src/download/anti-steal.js';

const ID = 'group1/M00/00/0A/CgEBxVxREbmAUETXAAEqVyZGQRY768.jpg';
const SECRET = 'FastDFS1234567890';
const NOW = 1_700_000_000;
const dir = mkdtempSync(join(tmpdir(), 'anti-steal-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Computed from the definition: md5(id without group + secret + ts). */
const token = (ts: number, id = ID, secret = SECRET) =>
  createHash('md5')
    .update(`${id.slice(id.indexOf('/') + 1)}${secret}${ts}`)
    .digest('hex');

const check = (query: string) =>
  new AntiSteal({ secret: SECRET, ttlSeconds: 600, failPicture: undefined }, dir).check(ID, query, NOW);

describe('AntiSteal.check', () => {
  it.each([
    ['ok', `token=${token(NOW)}&ts=${NOW}`, 'ok'],
    ['ok at the end of the TTL', `token=${token(NOW - 600)}&ts=${NOW - 600}`, 'ok'],
    ['ts 0 never expires', `token=${token(0)}&ts=0`, 'ok'],
    ['other parameters around', `a=1&ts=${NOW}&b=2&token=${token(NOW)}&c`, 'ok'],
    ['a second past the TTL', `token=${token(NOW - 601)}&ts=${NOW - 601}`, 'expired'],
    ['another secret', `token=${token(NOW, ID, 'x')}&ts=${NOW}`, 'mismatch'],
    ['another file', `token=${token(NOW, ID.replace('768', '769'))}&ts=${NOW}`, 'mismatch'],
    [
      'the full id signed (with its group)',
      `token=${createHash('md5').update(`${ID}${SECRET}${NOW}`).digest('hex')}&ts=${NOW}`,
      'mismatch',
    ],
    ['upper-case hex', `token=${token(NOW).toUpperCase()}&ts=${NOW}`, 'malformed'],
    ['a short token', `token=abc&ts=${NOW}`, 'malformed'],
    ['a ts that is not digits', `token=${token(NOW)}&ts=-5`, 'malformed'],
    ['a ts of 16 digits', `token=${token(NOW)}&ts=1234567890123456`, 'malformed'],
    ['no token', `ts=${NOW}`, 'missing'],
    ['no ts', `token=${token(NOW)}`, 'missing'],
    ['no query', '', 'missing'],
  ])('%s → %s', (_what, query, result) => {
    expect(check(query)).toBe(result);
  });
});

describe('the placeholder (anti_steal_token_fail)', () => {
  it('is read once at start, relative to the conf directory, typed by its extension, never cached downstream', () => {
    writeFileSync(join(dir, 'fail.gif'), 'GIF89a-placeholder');
    const antiSteal = new AntiSteal({ secret: SECRET, ttlSeconds: 1, failPicture: 'fail.gif' }, dir);
    rmSync(join(dir, 'fail.gif'));
    expect(antiSteal.placeholder?.body.toString()).toBe('GIF89a-placeholder');
    expect(antiSteal.placeholder?.headers).toEqual([
      'Content-Type',
      'image/gif',
      'Content-Length',
      '18',
      'Cache-Control',
      'no-store',
      'X-Content-Type-Options',
      'nosniff',
    ]);
  });

  it('a missing file is a ConfigError naming the key and the path', () => {
    expect(() => new AntiSteal({ secret: SECRET, ttlSeconds: 1, failPicture: 'nope.png' }, dir)).toThrow(
      expect.objectContaining({
        code: 'FDFS_ERR_INVALID_CONFIG',
        message: expect.stringMatching(/^anti_steal_token_fail: cannot read .*nope\.png/),
      }),
    );
  });

  it('one over the size bound is a ConfigError', () => {
    writeFileSync(join(dir, 'big.png'), Buffer.alloc(MAX_PLACEHOLDER_BYTES + 1));
    expect(() => new AntiSteal({ secret: SECRET, ttlSeconds: 1, failPicture: join(dir, 'big.png') }, '/')).toThrow(
      /anti_steal_token_fail: .*big\.png is 5242881 bytes, more than 5242880/,
    );
  });
});
