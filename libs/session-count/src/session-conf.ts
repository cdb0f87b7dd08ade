import type { ConfReader } from 'fastdfs-conf';
import { ConfigError } from 'fastdfs-protocol';
import { DES_KEY_SIZE, DEV_DES_KEY, SESSION_AGE_DEFAULTS } from '@pic-storage/session-key';

export const DES_KEY_ENV = 'PIC_SESSION_DES_KEY';
export const REDIS_URL_ENV = 'PIC_REDIS_URL';

/*
 * The session keys of every conf file that checks session keys (sess-check-svr.conf, front.conf):
 *
 *   des_key = DEVONLY!        # 8 bytes; PIC_SESSION_DES_KEY wins
 *   max_checks = 30           # uses per key
 *   time_window = 3600        # seconds a key lives
 *   clock_skew = 300          # seconds a key may come from the future
 *   redis_url =               # counts in Redis (PIC_REDIS_URL wins); empty: in memory
 *   max_memory_keys = 100000  # keys counted at once in memory
 */
export const SESSION_CONF_KEYS = [
  'des_key',
  'max_checks',
  'time_window',
  'clock_skew',
  'redis_url',
  'max_memory_keys',
] as const;

export const SESSION_CONF_DEFAULTS = Object.freeze({
  desKey: DEV_DES_KEY,
  maxChecks: 30,
  timeWindow: SESSION_AGE_DEFAULTS.windowSeconds,
  clockSkew: SESSION_AGE_DEFAULTS.skewSeconds,
  /** Unset: counts in memory. */
  redisUrl: undefined as string | undefined,
  maxMemoryKeys: 100_000,
});

export interface SessionConf {
  desKey: string;
  /** Where desKey came from: 'default' is the public development key (a warning at start). */
  desKeySource: 'env' | 'conf' | 'default';
  maxChecks: number;
  /** Seconds. */
  age: { windowSeconds: number; skewSeconds: number };
  /** Counts in Redis when set, else in memory. */
  redisUrl: string | undefined;
  maxMemoryKeys: number;
}

/** The conf's values over the defaults, PIC_SESSION_DES_KEY and PIC_REDIS_URL over both. */
export function readSessionConf(conf: ConfReader, env: NodeJS.ProcessEnv = process.env): SessionConf {
  const d = SESSION_CONF_DEFAULTS;
  const windowSeconds = conf.int('time_window', 1, 65_535) ?? d.timeWindow;
  const skewSeconds = conf.int('clock_skew', 0, 65_535) ?? d.clockSkew;
  // A window and skew that cover all 65536 values of the 16-bit issue time make every key valid forever.
  if (windowSeconds + skewSeconds >= 0x10000) {
    const [key, other] = conf.has('clock_skew') ? ['clock_skew', 'time_window'] : ['time_window', 'clock_skew'];
    throw conf.error(
      key,
      `+ ${other} must be under 65536 s (the key holds 16 bits of time), got ${windowSeconds} + ${skewSeconds}`,
    );
  }
  return {
    ...desKeyFrom(conf, env),
    maxChecks: conf.int('max_checks', 1, 1_000_000) ?? d.maxChecks,
    age: { windowSeconds, skewSeconds },
    redisUrl: readRedisUrl(conf, env),
    maxMemoryKeys: conf.int('max_memory_keys', 1, 100_000_000) ?? d.maxMemoryKeys,
  };
}

/** `redis_url` of a conf file, PIC_REDIS_URL over it; undefined when neither is set. */
export function readRedisUrl(conf: ConfReader, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[REDIS_URL_ENV];
  const url = fromEnv !== undefined && fromEnv !== '' ? fromEnv : conf.string('redis_url');
  if (url === undefined || url === '') return undefined;
  if (!/^rediss?:\/\/[^/?#]+/.test(url) || !URL.canParse(url)) {
    const message = 'must be a redis://host:port URL (rediss:// for TLS)';
    throw url === fromEnv ? new ConfigError(`${REDIS_URL_ENV} ${message}`) : conf.error('redis_url', message);
  }
  return url;
}

function desKeyFrom(conf: ConfReader, env: NodeJS.ProcessEnv): Pick<SessionConf, 'desKey' | 'desKeySource'> {
  const fromEnv = env[DES_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (Buffer.byteLength(fromEnv) !== DES_KEY_SIZE) {
      throw new ConfigError(`${DES_KEY_ENV} must be exactly 8 bytes (8 ASCII characters), got ${fromEnv.length}`);
    }
    return { desKey: fromEnv, desKeySource: fromEnv === DEV_DES_KEY ? 'default' : 'env' };
  }
  const fromConf = conf.string('des_key');
  if (fromConf === undefined || fromConf === '') return { desKey: DEV_DES_KEY, desKeySource: 'default' };
  if (Buffer.byteLength(fromConf) !== DES_KEY_SIZE) {
    throw conf.error('des_key', `must be exactly 8 bytes (8 ASCII characters), got ${fromConf.length}`);
  }
  return { desKey: fromConf, desKeySource: fromConf === DEV_DES_KEY ? 'default' : 'conf' };
}

/** The one warning a service logs when it accepts keys made with the public development key. */
export const DEV_KEY_WARNING =
  'SESSION KEYS USE THE PUBLIC DEVELOPMENT DES KEY: anyone can issue keys this server accepts. ' +
  "Set PIC_SESSION_DES_KEY (or des_key in the service's conf) to your game servers' key.";
