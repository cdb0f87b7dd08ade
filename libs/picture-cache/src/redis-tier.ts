import { Redis } from 'ioredis';
import type { PictureCacheLogger, ResolvedRedisTierOptions } from './options.js';
import { decodePurgeMessage, encodePurgeMessages, MAX_PURGE_KEYS } from './purge-message.js';

/** After a command fails or times out, Redis is skipped this long (loads go to origin at once). */
export const REDIS_SKIP_AFTER_FAILURE_MS = 1_000;
/** Malformed purge messages are logged at most once in this long (a flood must not flood the log). */
const MALFORMED_LOG_INTERVAL_MS = 10_000;

export type RedisState = 'up' | 'down';
export type RedisOutcome = 'ok' | 'down';

export interface RedisTierHooks {
  /** Keys another instance purged. */
  onPurge(keys: string[]): void;
  /** The purge channel is subscribed (again): messages sent before were missed. */
  onSubscribed(): void;
}

/**
 * The second level: values at `<keyPrefix><key>` with SET EX, and the purge channel. Two
 * connections of its own: one for commands, one subscribed (a subscribed connection can send
 * nothing else). Nothing waits for Redis: no offline queue, no retried command, a timeout on
 * each command, and after a failure Redis is skipped for REDIS_SKIP_AFTER_FAILURE_MS; the
 * connections are reopened in the background with a backoff.
 */
export class RedisTier {
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private subscribed = false;
  private skipUntil = 0;
  private loggedState: RedisState | undefined;
  private malformedLoggedAt = -Infinity;
  private malformedSuppressed = 0;
  private closed = false;
  private failures = 0;

  constructor(
    private readonly options: ResolvedRedisTierOptions,
    private readonly instanceId: string,
    private readonly hooks: RedisTierHooks,
    private readonly logger: PictureCacheLogger,
  ) {
    const connection = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false, // subscribed again on 'ready' below, which also tells the cache
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    };
    this.commands = new Redis(options.url, connection);
    this.subscriber = new Redis(options.url, connection);
    this.commands.on('ready', () => this.report());
    this.commands.on('error', (err: Error) => this.report(err));
    this.commands.on('close', () => this.report());
    this.subscriber.on('ready', () => void this.subscribe());
    this.subscriber.on('error', (err: Error) => this.report(err));
    this.subscriber.on('close', () => {
      this.subscribed = false;
      this.report();
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === options.channel) this.received(message);
    });
  }

  /** Connects both; an unreachable Redis is logged, not fatal (retried in the background). */
  async start(): Promise<void> {
    const connect = (redis: Redis) => redis.connect().catch((err: Error) => this.report(err));
    await Promise.all([connect(this.commands), connect(this.subscriber)]);
  }

  /** 'up' when both connections are open, the channel subscribed, and no command failed lately. */
  get state(): RedisState {
    return this.commandsUsable() && this.subscribed ? 'up' : 'down';
  }

  /** Commands that failed or timed out. */
  get errors(): number {
    return this.failures;
  }

  /** The value, or undefined when there is none or Redis failed, timed out or is skipped. */
  async get(key: string): Promise<Buffer | undefined> {
    if (!this.commandsUsable()) return undefined;
    try {
      const value = await this.commands.getBuffer(this.options.keyPrefix + key);
      this.report();
      return value ?? undefined;
    } catch (err) {
      this.failed('GET', err as Error);
      return undefined;
    }
  }

  /** Fire and forget: the caller never waits for Redis to store a value. */
  set(key: string, bytes: Buffer): void {
    if (bytes.length > this.options.maxEntryBytes || !this.commandsUsable()) return;
    this.commands
      .set(this.options.keyPrefix + key, bytes, 'EX', this.options.ttlSeconds)
      .catch((err: Error) => this.failed('SET', err));
  }

  /** DEL of the keys' values (tried even while skipped: a purge matters more than a load). */
  async del(keys: readonly string[]): Promise<RedisOutcome> {
    if (this.commands.status !== 'ready') return 'down';
    try {
      for (let i = 0; i < keys.length; i += MAX_PURGE_KEYS) {
        await this.commands.del(...keys.slice(i, i + MAX_PURGE_KEYS).map((key) => this.options.keyPrefix + key));
      }
      return 'ok';
    } catch (err) {
      this.failed('DEL', err as Error);
      return 'down';
    }
  }

  /** Announces the purge of `keys` to every other instance. */
  async publish(keys: readonly string[]): Promise<RedisOutcome> {
    if (this.commands.status !== 'ready') return 'down';
    try {
      for (const message of encodePurgeMessages(this.instanceId, keys)) {
        await this.commands.publish(this.options.channel, message);
      }
      return 'ok';
    } catch (err) {
      this.failed('PUBLISH', err as Error);
      return 'down';
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  private commandsUsable(): boolean {
    return this.commands.status === 'ready' && Date.now() >= this.skipUntil;
  }

  private async subscribe(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.options.channel);
    } catch (err) {
      // The connection is reopened (and subscribed on 'ready') by the retry strategy.
      this.report(err as Error);
      return;
    }
    this.subscribed = true;
    this.hooks.onSubscribed();
    this.report();
  }

  private received(message: string): void {
    const purge = decodePurgeMessage(message);
    if (typeof purge === 'string') {
      this.malformed(purge, message);
      return;
    }
    if (purge.from === this.instanceId) return;
    this.hooks.onPurge(purge.keys);
    // This instance may have written one of these values after the sender's DEL (a load that
    // ended in between): its DEL, sent after its SET on the same connection, removes it for good.
    void this.del(purge.keys);
  }

  private malformed(why: string, message: string): void {
    const now = Date.now();
    if (now - this.malformedLoggedAt < MALFORMED_LOG_INTERVAL_MS) {
      this.malformedSuppressed++;
      return;
    }
    this.logger.warn(
      { channel: this.options.channel, why, message: message.slice(0, 200), suppressed: this.malformedSuppressed },
      'malformed purge message ignored',
    );
    this.malformedLoggedAt = now;
    this.malformedSuppressed = 0;
  }

  private failed(command: string, err: Error): void {
    this.failures++;
    if (this.closed) return;
    const skipping = Date.now() < this.skipUntil;
    this.skipUntil = Date.now() + REDIS_SKIP_AFTER_FAILURE_MS;
    if (!skipping) {
      this.logger.warn(
        { redis: redactedUrl(this.options.url), command, err: err.message, skipMs: REDIS_SKIP_AFTER_FAILURE_MS },
        'redis command failed: redis skipped for a while, loads go to origin',
      );
    }
    this.report();
  }

  /** One log line per change of state, not one per reconnect attempt. */
  private report(err?: Error): void {
    const state = this.state;
    if (this.closed || state === this.loggedState) return;
    // Still connecting at start: not yet worth a line.
    if (state === 'down' && this.loggedState === undefined && err === undefined) return;
    this.loggedState = state;
    const redis = redactedUrl(this.options.url);
    if (state === 'up') this.logger.info({ redis }, 'redis up: second level and purge broadcast on');
    else this.logger.warn({ redis, err: err?.message }, 'redis down: loads go to origin, purges are not broadcast');
  }
}

/** The URL without its password, for logs. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(bad url)';
  }
}
