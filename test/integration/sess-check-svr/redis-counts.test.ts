/**
 * sess_check_svr with its counts in a real redis-server: two instances share each key's count,
 * the count's Redis key and TTL, and a Redis that is stopped or hangs makes checks fail with
 * STORAGE_UNAVAILABLE (1005) promptly, never accepted uncounted; checks resume when it is back.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cmd, ResultCode, encodeSessionCheckRequest } from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { issueSessionKey, unixTime } from '@pic-storage/session-key';
import { sessCheckConfFrom } from '../../../apps/sess-check-svr/src/sess-check-conf.js';
import { startSessCheckSvr, type RunningSessCheckSvr } from '../../../apps/sess-check-svr/src/sess-check-svr.js';
import { hasRedisServer, peekClient, startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import { confOf } from '../../helpers/shipped-conf.js';

const DES = 'redisKEY';

interface Instance {
  svr: RunningSessCheckSvr;
  client: FrameClient;
  logs: { level: string; message: string }[];
  check(hex: string): Promise<number>;
}

const instances: Instance[] = [];
afterEach(async () => {
  for (const { svr, client } of instances.splice(0)) {
    await client.close();
    await svr.stop();
  }
});

async function instance(redisUrl: string): Promise<Instance> {
  const logs: Instance['logs'] = [];
  const log = (level: string) => (_: object, message?: string) => logs.push({ level, message: message ?? '' });
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const conf = sessCheckConfFrom(confOf(`port = 0\ndes_key = ${DES}\n`), { PIC_REDIS_URL: redisUrl });
  const svr = await startSessCheckSvr(conf, logger);
  const client = new FrameClient({ ...svr.server.address, requestTimeoutMs: 8_000 });
  const check = async (hex: string) => (await client.request(Cmd.SESSION_CHECK, encodeSessionCheckRequest(hex))).ret;
  const made = { svr, client, logs, check };
  instances.push(made);
  return made;
}

describe.skipIf(!hasRedisServer)('sess_check_svr with Redis counts', () => {
  let redis: RedisServer;
  let peek: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    peek = await peekClient(redis.url);
  });
  afterAll(async () => {
    peek?.disconnect();
    await redis?.stop();
  });

  it('two instances share one count: 30 checks spread over both pass, the 31st on either is refused', async () => {
    const [a, b] = [await instance(redis.url), await instance(redis.url)];
    const hex = issueSessionKey({ uid: 1 }, DES);
    for (let i = 0; i < 30; i++) expect(await (i % 2 === 0 ? a : b).check(hex), `check ${i + 1}`).toBe(ResultCode.OK);
    expect(await a.check(hex)).toBe(ResultCode.SESSION_EXHAUSTED);
    expect(await b.check(hex.toUpperCase())).toBe(ResultCode.SESSION_EXHAUSTED);
  });

  it('checks sent at once to both instances: exactly 30 of 50 pass (the count is atomic)', async () => {
    const [a, b] = [await instance(redis.url), await instance(redis.url)];
    const hex = issueSessionKey({ uid: 2 }, DES);
    const rets = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).check(hex)));
    expect(rets.filter((ret) => ret === ResultCode.OK)).toHaveLength(30);
    expect(rets.filter((ret) => ret === ResultCode.SESSION_EXHAUSTED)).toHaveLength(20);
  });

  it('the count is pic:sess:<lowercase hex>, expiring with the rest of the window plus the skew', async () => {
    const a = await instance(redis.url);
    const hex = issueSessionKey({ uid: 3 }, DES, unixTime() - 600); // 600 s into its 3600 s window
    expect(await a.check(hex.toUpperCase())).toBe(ResultCode.OK);
    expect(await peek.get(`pic:sess:${hex}`)).toBe('1');
    const ttl = await peek.ttl(`pic:sess:${hex}`);
    // 3000 s left + 300 s skew; a few seconds of slack for a slow machine.
    expect(ttl).toBeGreaterThan(3300 - 30);
    expect(ttl).toBeLessThanOrEqual(3300);
    expect(await peek.get(`pic:sess:${hex.toUpperCase()}`)).toBeNull();
  });

  it('an expired key touches no count', async () => {
    const a = await instance(redis.url);
    const hex = issueSessionKey({ uid: 4 }, DES, unixTime() - 4000);
    expect(await a.check(hex)).toBe(ResultCode.SESSION_EXPIRED);
    expect(await peek.exists(`pic:sess:${hex}`)).toBe(0);
  });
});

describe.skipIf(!hasRedisServer)('sess_check_svr when Redis goes away', () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
  });

  it('stopped: checks are STORAGE_UNAVAILABLE (1005) at once, logged once; back on its port: counted again', async () => {
    redis = await startRedisServer();
    const { port } = redis;
    const a = await instance(redis.url);
    const hex = issueSessionKey({ uid: 5 }, DES);
    expect(await a.check(hex)).toBe(ResultCode.OK);

    await redis.stop();
    // The client's timeout (8 s) is far above the server's (1 s): a hang would show as a client timeout.
    for (let i = 0; i < 3; i++) expect(await a.check(hex)).toBe(ResultCode.STORAGE_UNAVAILABLE);
    expect(a.logs.filter((l) => l.message.startsWith('redis unreachable'))).toHaveLength(1);

    redis = await startRedisServer({ port });
    let ret: number = ResultCode.STORAGE_UNAVAILABLE;
    for (let tries = 0; tries < 100 && ret === ResultCode.STORAGE_UNAVAILABLE; tries++) {
      ret = await a.check(hex);
      if (ret === ResultCode.STORAGE_UNAVAILABLE) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ret).toBe(ResultCode.OK);
    expect(a.logs.some((l) => l.message.startsWith('redis reachable'))).toBe(true);
  });

  it('hanging (SIGSTOP): checks are STORAGE_UNAVAILABLE after the command timeout, not a hang', async () => {
    redis = await startRedisServer();
    const a = await instance(redis.url);
    const hex = issueSessionKey({ uid: 6 }, DES);
    expect(await a.check(hex)).toBe(ResultCode.OK);
    redis.pause();
    try {
      expect(await a.check(hex)).toBe(ResultCode.STORAGE_UNAVAILABLE);
    } finally {
      redis.resume();
    }
  });

  it('unreachable at start: the server starts, refuses checks with 1005 and says why', async () => {
    redis = await startRedisServer();
    const url = redis.url;
    await redis.stop();
    const a = await instance(url);
    expect(await a.check(issueSessionKey({ uid: 7 }, DES))).toBe(ResultCode.STORAGE_UNAVAILABLE);
    expect(a.logs.some((l) => l.level === 'warn' && l.message.startsWith('redis unreachable'))).toBe(true);
  });
});
