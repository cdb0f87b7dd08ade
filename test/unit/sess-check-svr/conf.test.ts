/**
 * conf/sess-check-svr.conf documents every key with its default and sets only the code's
 * defaults; PIC_SESSION_DES_KEY and PIC_REDIS_URL win over the conf; bad values name the key.
 */
import { describe, expect, it } from 'vitest';
import { DEV_DES_KEY } from '@pic-storage/session-key';
import {
  SESS_CHECK_CONF_KEYS,
  SESS_CHECK_DEFAULTS,
  sessCheckConfFrom,
} from '../../../apps/sess-check-svr/src/sess-check-conf.js';
import { confOf, readShippedConf } from '../../helpers/shipped-conf.js';

describe('sess-check-svr conf', () => {
  it('the shipped file documents every key and sets only the defaults', () => {
    const shipped = readShippedConf('sess-check-svr.conf');
    expect([...shipped.documented].sort()).toEqual([...SESS_CHECK_CONF_KEYS].sort());
    shipped.conf.checkKeys(SESS_CHECK_CONF_KEYS);
    const fromFile = sessCheckConfFrom(shipped.conf, {});
    expect(fromFile).toEqual(sessCheckConfFrom(confOf(''), {}));
    // The file's des_key is the development key, so a start on it warns like a start without one.
    expect(fromFile.desKeySource).toBe('default');
  });

  it('defaults: port 7003, 30 checks, 3600 s window, 300 s skew, memory counts, the dev key', () => {
    const conf = sessCheckConfFrom(confOf(''), {});
    expect(conf.server.port).toBe(7003);
    expect(conf).toMatchObject({
      desKey: DEV_DES_KEY,
      desKeySource: 'default',
      maxChecks: 30,
      age: { windowSeconds: 3600, skewSeconds: 300 },
      redisUrl: undefined,
      maxMemoryKeys: SESS_CHECK_DEFAULTS.maxMemoryKeys,
    });
  });

  it('the environment wins: PIC_SESSION_DES_KEY, PIC_REDIS_URL, PIC_PORT', () => {
    const conf = confOf('des_key = confKEY1\nredis_url = redis://10.0.0.1:6379\nport = 7004\n');
    expect(sessCheckConfFrom(conf, {})).toMatchObject({
      desKey: 'confKEY1',
      desKeySource: 'conf',
      redisUrl: 'redis://10.0.0.1:6379',
    });
    const env = { PIC_SESSION_DES_KEY: 'envKEY12', PIC_REDIS_URL: 'redis://:pw@127.0.0.1:6380/2', PIC_PORT: '0' };
    const fromEnv = sessCheckConfFrom(conf, env);
    expect(fromEnv).toMatchObject({ desKey: 'envKEY12', desKeySource: 'env', redisUrl: env.PIC_REDIS_URL });
    expect(fromEnv.server.port).toBe(0);
    // Empty variables are unset.
    expect(sessCheckConfFrom(conf, { PIC_SESSION_DES_KEY: '', PIC_REDIS_URL: '' }).desKey).toBe('confKEY1');
  });

  it('a bad value names the file, line and key (or the variable)', () => {
    const message = (text: string, env: NodeJS.ProcessEnv = {}): string => {
      try {
        sessCheckConfFrom(confOf(text), env);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(message('\ndes_key = short\n')).toBe(
      'test.conf:2: des_key must be exactly 8 bytes (8 ASCII characters), got 5',
    );
    expect(message('', { PIC_SESSION_DES_KEY: 'toolongkey' })).toBe(
      'PIC_SESSION_DES_KEY must be exactly 8 bytes (8 ASCII characters), got 10',
    );
    expect(message('max_checks = 0')).toBe('test.conf:1: max_checks must be between 1 and 1000000, got 0');
    expect(message('time_window = 65400')).toBe(
      'test.conf:1: time_window + clock_skew must be under 65536 s (the key holds 16 bits of time), got 65400 + 300',
    );
    expect(message('time_window = 65000\nclock_skew = 600')).toMatch(/^test\.conf:2: clock_skew \+ time_window/);
    expect(message('redis_url = localhost:6379')).toBe(
      'test.conf:1: redis_url must be a redis://host:port URL (rediss:// for TLS)',
    );
    expect(message('', { PIC_REDIS_URL: 'http://x' })).toMatch(/^PIC_REDIS_URL must be a redis:/);
    expect(() => confOf('max_check = 3\n').checkKeys(SESS_CHECK_CONF_KEYS)).toThrow(
      'test.conf:1: unknown key "max_check" (did you mean max_checks?)',
    );
  });
});
