import { MemoryCounter } from './memory-counter.js';
import { RedisCounter } from './redis-counter.js';
import type { SessionConf } from './session-conf.js';
import type { CounterLogger, SessionCounter } from './session-counter.js';

/**
 * The counter a SessionConf names: Redis when redis_url / PIC_REDIS_URL is set (an unreachable
 * Redis is logged, not fatal: uses are refused until it is back), else bounded memory.
 */
export async function openSessionCounter(
  conf: Pick<SessionConf, 'redisUrl' | 'maxMemoryKeys'>,
  logger: CounterLogger,
  clock?: () => number,
): Promise<SessionCounter> {
  if (conf.redisUrl === undefined) return new MemoryCounter({ maxKeys: conf.maxMemoryKeys, logger, clock });
  const redis = new RedisCounter({ url: conf.redisUrl, logger });
  await redis.start();
  return redis;
}
