import { describe, expect, it } from 'vitest';
import { parseHostPort } from '@pic-storage/service-process';

describe('parseHostPort', () => {
  it('reads host:port and [ipv6]:port', () => {
    expect(parseHostPort('10.1.1.197:6998')).toEqual({ host: '10.1.1.197', port: 6998 });
    expect(parseHostPort('cache.local:1')).toEqual({ host: 'cache.local', port: 1 });
    expect(parseHostPort('[::1]:65535')).toEqual({ host: '::1', port: 65535 });
  });

  it('is undefined for anything else', () => {
    for (const text of [
      '10.1.1.197',
      ':6998',
      '10.1.1.197:0',
      'h:65536',
      'h:123456',
      '::1:80',
      '[h]:80',
      ' h:80',
      'h:80 ',
    ]) {
      expect(parseHostPort(text), text).toBeUndefined();
    }
  });
});
