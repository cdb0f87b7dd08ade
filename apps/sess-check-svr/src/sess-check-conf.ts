import { ConfigError } from 'fastdfs-protocol';
import {
  FRAME_SERVER_CONF_KEYS,
  readFrameServerConf,
  readServiceConf,
  type FrameServerConf,
  type ServiceConf,
} from '@pic-storage/service-process';
import { DES_KEY_SIZE, DEV_DES_KEY, SESSION_AGE_DEFAULTS } from '@pic-storage/session-key';

/** docs/stack.md: sess_check_svr listens on 7003. */
export const SESS_CHECK_DEFAULT_PORT = 7003;
export const SESS_CHECK_CONF_FILE = 'sess-check-svr.conf';
export const DES_KEY_ENV = 'PIC_SESSION_DES_KEY';
export const REDIS_URL_ENV = 'PIC_REDIS_URL';

/** Every default of conf/sess-check-svr.conf (a test holds the file equal to these). */
export const SESS_CHECK_DEFAULTS = Object.freeze({
  desKey: DEV_DES_KEY,
  maxChecks: 30,
  timeWindow: SESSION_AGE_DEFAULTS.windowSeconds,
  clockSkew: SESSION_AGE_DEFAULTS.skewSeconds,
  /** Unset: counts in memory. */
  redisUrl: undefined as string | undefined,
  maxMemoryKeys: 100_000,
});

export const SESS_CHECK_CONF_KEYS = [
  ...FRAME_SERVER_CONF_KEYS,
  'des_key',
  'max_checks',
  'time_window',
  'clock_skew',
  'redis_url',
  'max_memory_keys',
] as const;

export interface SessCheckConf {
  server: FrameServerConf;
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

type ConfReader = ServiceConf['conf'];

/** The conf's values over the defaults, PIC_SESSION_DES_KEY and PIC_REDIS_URL over both. */
export function sessCheckConfFrom(conf: ConfReader, env: NodeJS.ProcessEnv = process.env): SessCheckConf {
  const d = SESS_CHECK_DEFAULTS;
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
    server: readFrameServerConf(conf, SESS_CHECK_DEFAULT_PORT, env),
    ...desKeyFrom(conf, env),
    maxChecks: conf.int('max_checks', 1, 1_000_000) ?? d.maxChecks,
    age: { windowSeconds, skewSeconds },
    redisUrl: redisUrlFrom(conf, env),
    maxMemoryKeys: conf.int('max_memory_keys', 1, 100_000_000) ?? d.maxMemoryKeys,
  };
}

/** `$PIC_CONF_DIR/sess-check-svr.conf` (missing: the defaults), with the environment applied. */
export function readSessCheckConf(env: NodeJS.ProcessEnv = process.env): { conf: SessCheckConf; path: string } {
  const { conf, path } = readServiceConf(SESS_CHECK_CONF_FILE, SESS_CHECK_CONF_KEYS);
  return { conf: sessCheckConfFrom(conf, env), path };
}

function desKeyFrom(conf: ConfReader, env: NodeJS.ProcessEnv): Pick<SessCheckConf, 'desKey' | 'desKeySource'> {
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

function redisUrlFrom(conf: ConfReader, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env[REDIS_URL_ENV];
  const url = fromEnv !== undefined && fromEnv !== '' ? fromEnv : conf.string('redis_url');
  if (url === undefined || url === '') return undefined;
  if (!/^rediss?:\/\/[^/?#]+/.test(url) || !URL.canParse(url)) {
    const message = 'must be a redis://host:port URL (rediss:// for TLS)';
    throw url === fromEnv ? new ConfigError(`${REDIS_URL_ENV} ${message}`) : conf.error('redis_url', message);
  }
  return url;
}
