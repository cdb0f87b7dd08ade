/**
 * PictureCache when Redis fails: stopped (loads go on from origin, state 'down', 'up' again
 * after a restart, memory cleared as purges may have been missed), unreachable at start (not
 * fatal), frozen by SIGSTOP (a load ends via origin after commandTimeoutMs, never hangs).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeTestCaches, countingOrigin, testCache, waitUntil } from '../../helpers/picture-cache.js';
import { hasRedisServer, peekClient, startRedisServer, type RedisServer } from '../../helpers/redis-server.js';

const servers: RedisServer[] = [];
async function redisServer(port?: number): Promise<RedisServer> {
  const server = await startRedisServer({ port });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await closeTestCaches();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

function level(url: string, commandTimeoutMs = 500) {
  return { url, ttlSeconds: 60, maxEntryBytes: 64 * 1024, commandTimeoutMs };
}

async function exists(url: string, key: string): Promise<boolean> {
  const peek = await peekClient(url);
  try {
    return (await peek.exists(key)) === 1;
  } finally {
    peek.disconnect();
  }
}

describe.skipIf(!hasRedisServer)('PictureCache when Redis fails', () => {
  it('Redis stopped: loads go on from origin, purges say down; after a restart it is up again and memory was cleared', async () => {
    const first = await redisServer();
    const { cache, logs } = await testCache({ redis: level(first.url) });
    await waitUntil(() => cache.stats().redis === 'up', 'up at start');
    const origin = countingOrigin(100);
    await cache.load('before', origin);
    await waitUntil(() => exists(first.url, 'pic:file:before'), 'written to Redis');

    await first.stop();
    await waitUntil(() => cache.stats().redis === 'down', 'down once Redis stopped');
    expect(logs.some((line) => line.level === 'warn' && line.message.startsWith('redis down'))).toBe(true);
    expect((await cache.load('during', origin)).from).toBe('origin');
    expect((await cache.load('before', origin)).from).toBe('memory'); // memory still serves
    expect(await cache.purge(['before'])).toEqual({ memory: 1, redis: 'down', broadcast: 'down' });

    const second = await redisServer(first.port);
    await waitUntil(() => cache.stats().redis === 'up', 'up again after the restart', 15_000);
    expect(logs.filter((line) => line.message.startsWith('redis up')).length).toBeGreaterThanOrEqual(2);
    // Purges published while the subscription was down were missed: memory starts again.
    expect(cache.peek('during')).toBeUndefined();
    expect(logs.some((line) => line.message.startsWith('purge channel subscribed again'))).toBe(true);
    expect((await cache.load('after', origin)).from).toBe('origin');
    await waitUntil(() => exists(second.url, 'pic:file:after'), 'written to the restarted Redis');
  });

  it('Redis unreachable at start: start() resolves, loads work from origin, and it is used once it comes', async () => {
    const probe = await redisServer();
    const { port, url } = probe;
    await probe.stop(); // a port where nothing listens
    const { cache, logs } = await testCache({ redis: level(url) });
    expect(cache.stats().redis).toBe('down');
    expect(logs.some((line) => line.message.startsWith('redis down'))).toBe(true);
    const origin = countingOrigin(100);
    expect((await cache.load('k', origin)).from).toBe('origin');

    await redisServer(port);
    await waitUntil(() => cache.stats().redis === 'up', 'up once Redis listens', 15_000);
    expect((await cache.load('k2', origin)).from).toBe('origin');
    await waitUntil(() => exists(url, 'pic:file:k2'), 'written to Redis');
  });

  it('Redis frozen (SIGSTOP): a load ends via origin after commandTimeoutMs, no hang; Redis is used again after SIGCONT', async () => {
    const server = await redisServer();
    const commandTimeoutMs = 300;
    const { cache: a, logs } = await testCache({ redis: level(server.url, commandTimeoutMs) });
    await waitUntil(() => a.stats().redis === 'up', 'up');
    const origin = countingOrigin(100);
    await a.load('warm', origin);
    await waitUntil(() => exists(server.url, 'pic:file:warm'), 'written to Redis');

    server.pause();
    try {
      const started = Date.now();
      const frozen = await a.load('k1', origin);
      const elapsed = Date.now() - started;
      expect(frozen.from).toBe('origin');
      // Not a speed check: without the command timeout this load would never end.
      expect(elapsed).toBeLessThan(commandTimeoutMs + 5_000);
      expect(a.stats()).toMatchObject({ redis: 'down' });
      expect(a.stats().redisErrors).toBeGreaterThanOrEqual(1);
      expect(logs.some((line) => line.message.startsWith('redis command failed'))).toBe(true);
      // Within the skip window the next load does not touch Redis at all.
      const errors = a.stats().redisErrors;
      expect((await a.load('k2', origin)).from).toBe('origin');
      expect(a.stats().redisErrors).toBe(errors);
      expect(await a.purge(['k2'])).toMatchObject({ memory: 1 }); // a purge answers too, Redis or not
    } finally {
      server.resume();
    }
    await waitUntil(() => a.stats().redis === 'up', 'up again after SIGCONT', 15_000);
    const { cache: b } = await testCache({ redis: level(server.url, commandTimeoutMs) });
    await waitUntil(() => b.stats().redis === 'up', 'b up');
    expect((await b.load('warm', origin)).from).toBe('redis');
  });
});
