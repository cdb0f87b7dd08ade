import { Redis } from 'ioredis';
import { CounterUnavailableError, type CounterLogger, type SessionCounter } from './session-counter.js';

/** The key of a session key's count: `pic:sess:<48 hex digits, lowercase>`. */
export const REDIS_KEY_PREFIX = 'pic:sess:';

/*
 * One check, atomically: the count goes up by one and, when it is new (or somehow lost its
 * expiry), lives ARGV[1] seconds. A script rather than INCR then EXPIRE, so that no crash or
 * dropped connection between the two can leave a count that never expires.
 */
const COUNT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

export const REDIS_COUNTER_DEFAULTS = Object.freeze({ commandTimeoutMs: 1_000, connectTimeoutMs: 2_000 });

export interface RedisCounterOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://...`. */
  url: string;
  /** A count not answered in this long is refused (STORAGE_UNAVAILABLE). Default 1 s. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  logger: CounterLogger;
}

type CountingRedis = Redis & { countSessionCheck(key: string, ttlSeconds: number): Promise<number> };

/**
 * Check counts in Redis, shared by every sess_check_svr instance. Nothing waits for Redis: no
 * offline queue, no retry of a command (a retried INCR could count twice), a timeout on each
 * command. While Redis is down every check fails at once with CounterUnavailableError, and the
 * connection is retried in the background.
 */
export class RedisCounter implements SessionCounter {
  private readonly redis: CountingRedis;
  private reachable: boolean | undefined;
  private closed = false;

  constructor(private readonly options: RedisCounterOptions) {
    const { commandTimeoutMs, connectTimeoutMs } = { ...REDIS_COUNTER_DEFAULTS, ...stripUndefined(options) };
    this.redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: commandTimeoutMs,
      connectTimeout: connectTimeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    }) as CountingRedis;
    this.redis.defineCommand('countSessionCheck', { numberOfKeys: 1, lua: COUNT_SCRIPT });
    this.redis.on('ready', () => this.setReachable(true));
    this.redis.on('error', (err: Error) => this.setReachable(false, err));
    this.redis.on('close', () => this.setReachable(false, new Error('connection closed')));
  }

  /** Connects once; an unreachable Redis is logged, not fatal: checks fail until it is back. */
  async start(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (err) {
      this.setReachable(false, err as Error);
    }
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    let count: number;
    try {
      count = await this.redis.countSessionCheck(REDIS_KEY_PREFIX + key, Math.max(1, Math.ceil(ttlSeconds)));
    } catch (err) {
      this.setReachable(false, err as Error);
      throw new CounterUnavailableError('unreachable', `redis: ${(err as Error).message}`, { cause: err });
    }
    this.setReachable(true);
    return count;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.redis.disconnect();
  }

  /** One log line per change, not one per reconnect attempt. */
  private setReachable(reachable: boolean, err?: Error): void {
    if (this.reachable === reachable || this.closed) return;
    this.reachable = reachable;
    const redis = redactedUrl(this.options.url);
    if (reachable) this.options.logger.info({ redis }, 'redis reachable: session checks are counted there');
    else this.options.logger.warn({ redis, err: err?.message }, 'redis unreachable: session checks are refused');
  }
}

/** The URL without its password, for logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(bad url)';
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
