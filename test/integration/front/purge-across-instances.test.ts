/**
 * Purges across front instances, end to end: two real fronts sharing one redis-server (second
 * cache level and purge channel) and one embedded FastDFS. A file cached by both is purged on
 * one, then deleted from FastDFS: the other must answer 404, so neither its memory nor Redis still
 * held it. A control shows what the purge rules out (a deleted, unpurged file is still served).
 * POST /purge is held to its access rule (address or X-Purge-Secret) and to "a malformed id in
 * the list purges nothing".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  frontCacheStatus,
  startFrontBackends,
  startTestFront,
  stopAll,
  testSessionKey,
  uploadThroughFront,
  waitUntil,
  type FrontBackends,
  type TestFront,
} from '../../helpers/front-server.js';
import { hasRedisServer, startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import { quadrantPicture } from '../../helpers/test-pictures.js';

const SECRET = 'purge-secret-for-tests';
const TIMEOUT_MS = 20_000;

describe.skipIf(!hasRedisServer)('purge across front instances (shared Redis)', () => {
  let redis: RedisServer | undefined;
  let backends: FrontBackends | undefined;
  /** Purge allowed from loopback (the default). */
  let frontA: TestFront;
  /** Purge allowed from no address: only with X-Purge-Secret. */
  let frontB: TestFront;
  let uploads = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    backends = await startFrontBackends();
    frontA = await startTestFront(backends, { redis_url: redis.url });
    frontB = await startTestFront(backends, { redis_url: redis.url, purge_allow: '', purge_secret: SECRET });
    for (const front of [frontA, frontB]) {
      await waitUntil(
        () => frontCacheStatus(front.url),
        (c) => c.redis === 'up',
        `Redis up for ${front.url}`,
      );
    }
  });

  afterAll(async () => {
    await stopAll(frontA, frontB, backends, redis);
  });

  /** A new picture stored through front A (each one different, so each has its own file id). */
  async function uploadPicture(): Promise<string> {
    uploads++;
    const picture = await quadrantPicture('jpeg', 40 + uploads, 30);
    const answer = await uploadThroughFront(frontA.url, picture, {
      sessionKey: testSessionKey({ uid: 600 + uploads }),
      fileName: `purge-${uploads}.jpg`,
    });
    return answer.lloc;
  }

  function get(front: TestFront, fileId: string): Promise<Response> {
    return fetch(`${front.url}/download.fcgi/${fileId}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  }

  async function getStatus(front: TestFront, fileId: string): Promise<number> {
    const response = await get(front, fileId);
    await response.arrayBuffer();
    return response.status;
  }

  /** GETs the file twice on each front: the second GET of each is served from that front's memory. */
  async function cacheOnBoth(fileId: string): Promise<void> {
    for (const front of [frontA, frontB]) {
      const before = await frontCacheStatus(front.url);
      expect(await getStatus(front, fileId)).toBe(200);
      expect(await getStatus(front, fileId)).toBe(200);
      const after = await frontCacheStatus(front.url);
      expect(after.hits_memory - before.hits_memory, `memory hits on ${front.url}`).toBeGreaterThanOrEqual(1);
      expect(after.entries, `entries on ${front.url}`).toBeGreaterThanOrEqual(1);
    }
  }

  function postPurge(front: TestFront, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${front.url}/purge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  }

  it('front B serves from Redis what front A fetched from FastDFS', async () => {
    const fileId = await uploadPicture();
    const before = await frontCacheStatus(frontB.url);
    const stored = await backends!.fdfsClient.download(fileId);
    const fromA = await get(frontA, fileId);
    expect(fromA.status).toBe(200);
    expect(Buffer.from(await fromA.arrayBuffer()).equals(stored)).toBe(true);
    // A stores the bytes in Redis after it answers: B's first GET is a Redis hit once they are there.
    await waitUntil(
      async () => {
        const response = await get(frontB, fileId);
        const body = Buffer.from(await response.arrayBuffer());
        const c = await frontCacheStatus(frontB.url);
        return { status: response.status, same: body.equals(stored), redisHits: c.hits_redis - before.hits_redis };
      },
      (r) => r.status === 200 && r.same && r.redisHits >= 1,
      'a Redis hit on front B',
    );
  });

  it('a PURGE on front A clears the file from A, from B and from Redis', async () => {
    const fileId = await uploadPicture();
    await cacheOnBoth(fileId);
    const purgedOnB = (await frontCacheStatus(frontB.url)).purged;

    const response = await fetch(`${frontA.url}/download.fcgi/${fileId}`, {
      method: 'PURGE',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      result: 'success',
      purged: [fileId],
      memory: 1,
      redis: 'ok',
      broadcast: 'ok',
    });
    // The broadcast reaches B on its own subscription, after A has answered.
    await waitUntil(
      () => frontCacheStatus(frontB.url),
      (c) => c.purged > purgedOnB,
      'front B told of the purge',
    );

    await backends!.fdfsClient.delete(fileId);
    expect(await getStatus(frontB, fileId)).toBe(404);
    expect(await getStatus(frontA, fileId)).toBe(404);
  });

  it('without a purge, a file deleted from FastDFS is still served from the cache (what the purge prevents)', async () => {
    const fileId = await uploadPicture();
    await cacheOnBoth(fileId);
    await backends!.fdfsClient.delete(fileId);
    expect(await getStatus(frontB, fileId)).toBe(200);
    expect(await getStatus(frontA, fileId)).toBe(200);
  });

  it('POST /purge from an address not allowed: 403 without the secret or with a wrong one, 200 with it', async () => {
    const fileId = await uploadPicture();
    await cacheOnBoth(fileId);
    const before = await frontCacheStatus(frontB.url);

    const refusedHeaders: Array<Record<string, string>> = [
      {},
      { 'x-purge-secret': 'not-the-secret' },
      { 'x-purge-secret': SECRET.slice(0, -1) },
    ];
    for (const headers of refusedHeaders) {
      const refused = await postPurge(frontB, [fileId], headers);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ result: 'error' });
    }
    const unchanged = await frontCacheStatus(frontB.url);
    expect(unchanged.purged).toBe(before.purged);
    expect(unchanged.entries).toBe(before.entries);

    const purgedOnA = (await frontCacheStatus(frontA.url)).purged;
    const allowed = await postPurge(frontB, { files: [fileId] }, { 'x-purge-secret': SECRET });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ result: 'success', purged: [fileId], memory: 1, redis: 'ok' });
    expect((await frontCacheStatus(frontB.url)).purged).toBe(before.purged + 1);
    await waitUntil(
      () => frontCacheStatus(frontA.url),
      (c) => c.purged > purgedOnA,
      'front A told of the purge',
    );
    await backends!.fdfsClient.delete(fileId);
    expect(await getStatus(frontA, fileId)).toBe(404);
    expect(await getStatus(frontB, fileId)).toBe(404);
  });

  it('a malformed id in the list: 400, and nothing is purged anywhere', async () => {
    const fileId = await uploadPicture();
    await cacheOnBoth(fileId);
    const beforeA = await frontCacheStatus(frontA.url);
    const beforeB = await frontCacheStatus(frontB.url);

    for (const body of [[fileId, 'group1/M00/../../etc/passwd'], { files: [fileId, 'not a file id'] }, [fileId, 42]]) {
      const response = await postPurge(frontA, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.json()).toMatchObject({ result: 'error' });
    }

    // Still held everywhere: deleted from FastDFS, the file is served by both fronts from their cache.
    await backends!.fdfsClient.delete(fileId);
    expect(await getStatus(frontA, fileId)).toBe(200);
    expect(await getStatus(frontB, fileId)).toBe(200);
    const afterA = await frontCacheStatus(frontA.url);
    const afterB = await frontCacheStatus(frontB.url);
    expect(afterA.purged).toBe(beforeA.purged);
    expect(afterB.purged).toBe(beforeB.purged);
    expect(afterA.misses).toBe(beforeA.misses);
    expect(afterB.misses).toBe(beforeB.misses);
  });
});
