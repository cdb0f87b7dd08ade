import { describe, expect, it } from 'vitest';
import { basicPassword, OPERATOR_REALM, PurgeAccess } from '../../../apps/front/src/purge/purge-access.js';

const SECRET = 's3cret:with-colon';

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('PurgeAccess', () => {
  it('lets in the allowed addresses, IPv4 clients of a dual-stack socket included, without a secret', () => {
    const access = new PurgeAccess(['127.0.0.1', '::1'], undefined);
    expect(access.allows('127.0.0.1', undefined)).toBe(true);
    expect(access.allows('::ffff:127.0.0.1', undefined)).toBe(true);
    expect(access.allows('::1', undefined)).toBe(true);
    expect(access.allows('10.1.1.5', undefined)).toBe(false);
    expect(access.allows(undefined, undefined)).toBe(false);
  });

  it('lets in any address with the secret in X-Purge-Secret; a wrong, longer or repeated header is not it', () => {
    const access = new PurgeAccess([], SECRET);
    expect(access.allows('10.1.1.5', SECRET)).toBe(true);
    expect(access.allows('10.1.1.5', 'wrong')).toBe(false);
    expect(access.allows('10.1.1.5', `${SECRET}x`)).toBe(false);
    expect(access.allows('10.1.1.5', [SECRET, SECRET])).toBe(false);
    expect(access.allows('10.1.1.5', undefined)).toBe(false);
  });

  it('lets in the secret as the password of HTTP Basic, whatever the user name', () => {
    const access = new PurgeAccess(['127.0.0.1'], SECRET);
    expect(access.allows('10.1.1.5', undefined, basic('operator', SECRET))).toBe(true);
    expect(access.allows('10.1.1.5', undefined, basic('', SECRET))).toBe(true);
    expect(access.allows('10.1.1.5', undefined, basic('anyone', SECRET).replace('Basic', 'basic'))).toBe(true);
    expect(access.allows('10.1.1.5', undefined, basic('operator', 'wrong'))).toBe(false);
    expect(access.allows('10.1.1.5', undefined, basic(SECRET, ''))).toBe(false); // the secret as the user name
    expect(access.allows('10.1.1.5', undefined, `Bearer ${SECRET}`)).toBe(false);
    expect(access.allows('10.1.1.5', 'wrong', basic('operator', SECRET))).toBe(true);
  });

  it('without a configured secret, no password opens it', () => {
    const access = new PurgeAccess(['127.0.0.1'], undefined);
    expect(access.allows('10.1.1.5', '', basic('operator', ''))).toBe(false);
    expect(access.allows('10.1.1.5', 'undefined', basic('operator', 'undefined'))).toBe(false);
  });

  it('answers a refused browser 401 with a Basic challenge when a secret exists, 403 when none does', () => {
    expect(new PurgeAccess([], SECRET).refusal()).toEqual({
      status: 401,
      headers: { 'WWW-Authenticate': `Basic realm="${OPERATOR_REALM}", charset="UTF-8"` },
    });
    expect(new PurgeAccess(['127.0.0.1'], undefined).refusal()).toEqual({ status: 403, headers: {} });
  });

  it('refuses an allow list entry that is not an IP address', () => {
    expect(() => new PurgeAccess(['localhost'], undefined)).toThrow(/purge_allow has "localhost", not an IP address/);
  });
});

describe('basicPassword', () => {
  it.each([
    [basic('u', 'p'), 'p'],
    [basic('u', 'a:b'), 'a:b'], // the first colon ends the user name (RFC 7617)
    [basic('', ''), ''],
    [`Basic   ${Buffer.from('u:p').toString('base64')}  `, 'p'],
  ])('%s → %s', (header, password) => {
    expect(basicPassword(header)?.toString()).toBe(password);
  });

  it.each([
    undefined,
    '',
    'Basic',
    'Basic ',
    `Basic ${Buffer.from('no colon').toString('base64')}`,
    'Basic not*base64',
    `Digest ${Buffer.from('u:p').toString('base64')}`,
    `Basic ${'A'.repeat(5000)}`,
  ])('%s → none', (header) => {
    expect(basicPassword(header)).toBeUndefined();
  });
});
