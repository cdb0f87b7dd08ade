/**
 * cut_svr's picture work runs off the event loop and is bounded: while one big crop is being
 * computed, a small crop on another connection is answered first (order, not timing); when
 * crop_concurrency + max_queued_crops crops are in the service, one more is BACKEND_UNAVAILABLE at
 * once; and the service serves again when they are done.
 */
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { ResultCode, decodeCropResponse } from '@pic-storage/frame-protocol';
import { quadrantPicture } from '../../helpers/test-pictures.js';
import { startCutSvrFixture, type CutSvrFixture } from './cut-svr-fixture.js';

let f: CutSvrFixture | undefined;
afterEach(async () => {
  await f?.stop();
  f = undefined;
});

/** A PNG whose crop scaled to 5000 x 5000 and stored whole is seconds of work: 25 MP to resize and encode. */
async function bigSource(): Promise<Buffer> {
  const width = 1000;
  const height = 1000;
  const pixels = Buffer.alloc(width * height * 3);
  // A smooth pattern (not solid: every output pixel costs filtering and compression work).
  for (let i = 0; i < width * height; i++) pixels.set([i % 251, (i >> 3) % 253, (i >> 7) % 255], i * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}
const BIG_BOX = { clipW: 5000, clipH: 5000, thumbW: 5000, thumbH: 5000 };

/** Resolves once `test()` holds, checking between event-loop turns (no sleeps, no timing). */
async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setImmediate(resolve));
}

describe('cut_svr concurrency', () => {
  it('a small crop on another connection is answered while a big crop is still being computed', async () => {
    f = await startCutSvrFixture({ cropConcurrency: 2, maxQueuedCrops: 4 });
    const fixture = f;
    const big = await fixture.upload(await bigSource(), 'png');
    const small = await fixture.upload(await quadrantPicture('jpeg', 64, 64), 'jpg');
    const answered: string[] = [];
    const bigReply = fixture.crop({ fdfsUrl: big, ...BIG_BOX }, fixture.connect()).then((reply) => {
      answered.push('big');
      return reply;
    });
    // The big crop holds an image slot: its picture is being computed now.
    await until(() => fixture.cut.limiter.running === 1);
    const smallReply = await fixture.crop({ fdfsUrl: small, thumbW: 16, thumbH: 16 }, fixture.connect());
    answered.push('small');
    expect(smallReply.ret).toBe(ResultCode.OK);
    expect(fixture.cut.limiter.running).toBe(1); // the big one still runs
    const bigDone = await bigReply;
    expect(bigDone.ret).toBe(ResultCode.OK);
    expect(answered).toEqual(['small', 'big']);
    const stored = await fixture.fdfsClient.download(decodeCropResponse(bigDone.body).fdfsUrl);
    expect(await sharp(stored).metadata()).toMatchObject({ format: 'png', width: 5000, height: 5000 });
  });

  it('past crop_concurrency + max_queued_crops a crop is BACKEND_UNAVAILABLE at once; after them, served again', async () => {
    f = await startCutSvrFixture({ cropConcurrency: 1, maxQueuedCrops: 0 });
    const fixture = f;
    const big = await fixture.upload(await bigSource(), 'png');
    const small = await fixture.upload(await quadrantPicture('jpeg', 64, 64), 'jpg');
    const bigReply = fixture.crop({ fdfsUrl: big, ...BIG_BOX }, fixture.connect());
    await until(() => fixture.cut.limiter.running === 1);
    const refused = await fixture.crop({ fdfsUrl: small, thumbW: 16, thumbH: 16 }, fixture.connect());
    expect(refused.ret).toBe(ResultCode.BACKEND_UNAVAILABLE);
    expect(refused.body.length).toBe(0);
    expect(fixture.cut.limiter.running).toBe(1);
    expect((await bigReply).ret).toBe(ResultCode.OK);
    expect(fixture.cut.limiter.admitted).toBe(0);
    expect((await fixture.crop({ fdfsUrl: small, thumbW: 16, thumbH: 16 })).ret).toBe(ResultCode.OK);
    expect(
      fixture.logs.some((entry) => entry.message === 'refused' && entry.object.result === 'BACKEND_UNAVAILABLE'),
    ).toBe(true);
  });

  it('a client that closes its connection before the answer: its crops are abandoned and nothing is stored', async () => {
    f = await startCutSvrFixture({ cropConcurrency: 1, maxQueuedCrops: 4 });
    const fixture = f;
    const big = await fixture.upload(await bigSource(), 'png');
    const small = await fixture.upload(await quadrantPicture('jpeg', 64, 64), 'jpg');
    const before = await fixture.storedFileCount();
    const running = fixture.connect();
    const waiting = fixture.connect();
    const bigReply = fixture.crop({ fdfsUrl: big, ...BIG_BOX }, running).catch((err: Error) => err);
    await until(() => fixture.cut.limiter.running === 1);
    const smallReply = fixture.crop({ fdfsUrl: small, thumbW: 16, thumbH: 16 }, waiting).catch((err: Error) => err);
    await until(() => fixture.cut.limiter.queued === 1); // fetched, waiting for the slot
    await Promise.all([running.close(), waiting.close()]);
    expect(await bigReply).toBeInstanceOf(Error);
    expect(await smallReply).toBeInstanceOf(Error);
    await until(() => fixture.cut.limiter.admitted === 0);
    expect(await fixture.storedFileCount()).toBe(before);
    const abandoned = fixture.logs.filter((entry) => /crop abandoned/.test(String(entry.object.reason)));
    expect(abandoned).toHaveLength(2);
    expect((await fixture.crop({ fdfsUrl: small, thumbW: 16, thumbH: 16 })).ret).toBe(ResultCode.OK);
  });

  it('crops pipelined on one connection are answered each by its own seq', async () => {
    f = await startCutSvrFixture({ cropConcurrency: 2, maxQueuedCrops: 32 });
    const fixture = f;
    const id = await fixture.upload(await quadrantPicture('png', 100, 100), 'png');
    const sizes = Array.from({ length: 20 }, (_, i) => 1 + i);
    const replies = await Promise.all(sizes.map((n) => fixture.crop({ fdfsUrl: id, thumbW: n, thumbH: 2 * n })));
    const stored = await Promise.all(
      replies.map(async (reply) => {
        expect(reply.ret).toBe(ResultCode.OK);
        return sharp(await fixture.fdfsClient.download(decodeCropResponse(reply.body).fdfsUrl)).metadata();
      }),
    );
    expect(stored.map((m) => [m.width, m.height])).toEqual(sizes.map((n) => [n, 2 * n]));
  });
});
