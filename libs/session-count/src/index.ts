/** Session-key uses with a count (sess_check_svr's cmd 0x10B5, the front's upload.cgi). */
export { CounterUnavailableError, type CounterLogger, type SessionCounter } from './session-counter.js';
export { MemoryCounter, type MemoryCounterOptions } from './memory-counter.js';
export {
  RedisCounter,
  redactedUrl,
  REDIS_COUNTER_DEFAULTS,
  REDIS_KEY_PREFIX,
  type RedisCounterOptions,
} from './redis-counter.js';
export { SessionGate, SessionRefusedError, type SessionGateOptions, type SessionRefusal } from './session-gate.js';
export {
  DES_KEY_ENV,
  DEV_KEY_WARNING,
  readRedisUrl,
  readSessionConf,
  REDIS_URL_ENV,
  SESSION_CONF_DEFAULTS,
  SESSION_CONF_KEYS,
  type SessionConf,
} from './session-conf.js';
export { openSessionCounter } from './open-counter.js';
