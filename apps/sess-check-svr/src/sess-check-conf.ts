import {
  FRAME_SERVER_CONF_KEYS,
  readFrameServerConf,
  readServiceConf,
  type FrameServerConf,
  type ServiceConf,
} from '@pic-storage/service-process';
import {
  readSessionConf,
  SESSION_CONF_DEFAULTS,
  SESSION_CONF_KEYS,
  type SessionConf,
} from '@pic-storage/session-count';

/** docs/stack.md: sess_check_svr listens on 7003. */
export const SESS_CHECK_DEFAULT_PORT = 7003;
export const SESS_CHECK_CONF_FILE = 'sess-check-svr.conf';

/** Every default of conf/sess-check-svr.conf (a test holds the file equal to these). */
export const SESS_CHECK_DEFAULTS = SESSION_CONF_DEFAULTS;

export const SESS_CHECK_CONF_KEYS = [...FRAME_SERVER_CONF_KEYS, ...SESSION_CONF_KEYS] as const;

export interface SessCheckConf extends SessionConf {
  server: FrameServerConf;
}

/** The conf's values over the defaults, PIC_SESSION_DES_KEY and PIC_REDIS_URL over both. */
export function sessCheckConfFrom(conf: ServiceConf['conf'], env: NodeJS.ProcessEnv = process.env): SessCheckConf {
  return { server: readFrameServerConf(conf, SESS_CHECK_DEFAULT_PORT, env), ...readSessionConf(conf, env) };
}

/** `$PIC_CONF_DIR/sess-check-svr.conf` (missing: the defaults), with the environment applied. */
export function readSessCheckConf(env: NodeJS.ProcessEnv = process.env): { conf: SessCheckConf; path: string } {
  const { conf, path } = readServiceConf(SESS_CHECK_CONF_FILE, SESS_CHECK_CONF_KEYS);
  return { conf: sessCheckConfFrom(conf, env), path };
}
