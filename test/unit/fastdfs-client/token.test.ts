/**
 * Anti-steal token (notes §6; common/fdfs_http_shared.c 306-357, fastdfs-nginx-module common.c 1027-1030):
 * token = lowercase_hex(md5(file_id_without_group || secret || decimal(ts))).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidFileIdError } from 'fastdfs-client-ts/errors';
import { checkToken, generateToken, tokenSubject } from 'fastdfs-client-ts';

const ID = 'M00/00/00/fwAAAWsBVDOACrZxAAAEE-y9W4o490.txt';
const KEY = 'FastDFS1234567890';
const TS = 1700000000;
const TOKEN = 'c3df78c24de0b5067a665998945fd66a'; // computed by the C code on the peer

describe('generateToken', () => {
  it('matches the token the real FastDFS code computed', () => {
    expect(generateToken(ID, KEY, TS)).toBe(TOKEN);
  });

  it('is md5 over id, key and decimal timestamp with no separators', () => {
    expect(createHash('md5').update(`${ID}${KEY}1700000000`).digest('hex')).toBe(TOKEN);
    expect(generateToken(ID, KEY, TS)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('drops a fractional timestamp (C passes time_t)', () => {
    expect(generateToken(ID, KEY, TS + 0.9)).toBe(TOKEN);
  });

  it('changes with each input', () => {
    expect(generateToken(ID, KEY, TS + 1)).not.toBe(TOKEN);
    expect(generateToken(ID, `${KEY}x`, TS)).not.toBe(TOKEN);
    expect(generateToken(`group1/${ID}`, KEY, TS)).not.toBe(TOKEN); // the group is not part of the subject
  });
});

describe('checkToken', () => {
  it('ok within the ttl', () => {
    expect(checkToken(ID, KEY, TS, TOKEN, 900, TS + 100)).toBe('ok');
  });

  it('ok at exactly now - ts == ttl (expiry is strictly greater)', () => {
    expect(checkToken(ID, KEY, TS, TOKEN, 900, TS + 900)).toBe('ok');
  });

  it('expired when now - ts > ttl', () => {
    expect(checkToken(ID, KEY, TS, TOKEN, 900, TS + 901)).toBe('expired');
  });

  it('expiry is checked before the comparison (a wrong token past the ttl is "expired")', () => {
    expect(checkToken(ID, KEY, TS, '0'.repeat(32), 900, TS + 901)).toBe('expired');
  });

  it('a timestamp of 0 never expires', () => {
    const token = generateToken(ID, KEY, 0);
    expect(checkToken(ID, KEY, 0, token, 1, 4_000_000_000)).toBe('ok');
  });

  it('a token from the future is accepted (as in C: only now - ts > ttl fails)', () => {
    const token = generateToken(ID, KEY, TS + 10_000);
    expect(checkToken(ID, KEY, TS + 10_000, token, 900, TS)).toBe('ok');
  });

  it('mismatch: wrong key, wrong id, wrong ts', () => {
    expect(checkToken(ID, 'other', TS, TOKEN, 900, TS)).toBe('mismatch');
    expect(checkToken(ID.replace('490', '491'), KEY, TS, TOKEN, 900, TS)).toBe('mismatch');
    expect(checkToken(ID, KEY, TS + 1, TOKEN, 900, TS)).toBe('mismatch');
    expect(checkToken(ID, KEY, TS, 'c3df78c24de0b5067a665998945fd66b', 900, TS)).toBe('mismatch');
  });

  it.each([
    ['31 chars', TOKEN.slice(0, 31)],
    ['33 chars', `${TOKEN}0`],
    ['empty', ''],
    ['non-hex', `${TOKEN.slice(0, 31)}g`],
    ['spaces', ` ${TOKEN.slice(1)}`],
    ['64 chars', TOKEN + TOKEN],
    ['upper-case hex (fdfs_http_check_token compares with memcmp)', TOKEN.toUpperCase()],
  ])('malformed: %s', (_what, token) => {
    expect(checkToken(ID, KEY, TS, token, 900, TS)).toBe('malformed');
  });

  it('uses the clock when now is omitted', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(checkToken(ID, KEY, now, generateToken(ID, KEY, now), 60)).toBe('ok');
    expect(checkToken(ID, KEY, TS, TOKEN, 60)).toBe('expired');
  });
});

describe('tokenSubject', () => {
  it('strips the group', () => {
    expect(tokenSubject(`group1/${ID}`)).toBe(ID);
    expect(generateToken(tokenSubject(`group1/${ID}`), KEY, TS)).toBe(TOKEN);
  });

  it('leaves a remote filename without group unchanged', () => {
    expect(tokenSubject(ID)).toBe(ID);
  });

  it('rejects a hostile full id', () => {
    expect(() => tokenSubject('group1/../../etc/passwd')).toThrow(InvalidFileIdError);
  });

  // Regression (bug at 5cfe357, token.ts 16, fixed in 38ff1cd): "starts with M" was taken to mean
  // "no group", so a group whose name begins with 'M' was never stripped and the token was wrong.
  it('strips a group whose name starts with M', () => {
    expect(tokenSubject(`Media/${ID}`)).toBe(ID);
    expect(tokenSubject(`M1/${ID}`)).toBe(ID);
  });
});
