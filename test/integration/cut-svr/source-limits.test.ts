/**
 * max_source_size: a source file larger than the limit is BAD_IMAGE, refused from the download's
 * announced length before its bytes are read; one under it is cropped, downloaded whole when its
 * name gives its size (a normal file) and streamed when not (an appender file).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { ResultCode } from '@pic-storage/frame-protocol';
import { startCutSvrFixture, type CutSvrFixture } from './cut-svr-fixture.js';

let f: CutSvrFixture;
beforeAll(async () => {
  f = await startCutSvrFixture({ maxSourceSize: 20_000 });
});
afterAll(async () => {
  await f?.stop();
});

/** A PNG of noise (incompressible): about width x height x 3 bytes. */
async function noisePng(width: number, height: number): Promise<Buffer> {
  const pixels = randomBytes(width * height * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

describe('max_source_size', () => {
  it('a source over it is BAD_IMAGE (1006), logged with the size; one under it is cropped', async () => {
    const large = await noisePng(100, 100);
    const small = await noisePng(40, 40);
    expect(large.length).toBeGreaterThan(20_000);
    expect(small.length).toBeLessThan(20_000);
    const largeId = await f.upload(large, 'png');
    const smallId = await f.upload(small, 'png');
    expect((await f.crop({ fdfsUrl: largeId, thumbW: 10, thumbH: 10 })).ret).toBe(ResultCode.BAD_IMAGE);
    const logged = f.logs.find((entry) => entry.object.result === 'BAD_IMAGE');
    expect(String(logged?.object.reason)).toMatch(new RegExp(`is ${large.length} bytes, over max_source_size 20000`));
    expect((await f.crop({ fdfsUrl: smallId, thumbW: 10, thumbH: 10 })).ret).toBe(ResultCode.OK);
    // The refused download left no connection out of step: the same source again, then the small one.
    expect((await f.crop({ fdfsUrl: largeId, thumbW: 10, thumbH: 10 })).ret).toBe(ResultCode.BAD_IMAGE);
    expect((await f.crop({ fdfsUrl: smallId, thumbW: 10, thumbH: 10 })).ret).toBe(ResultCode.OK);
  });

  it('an appender source, whose name tells no size, is measured from the reply header the same way', async () => {
    const large = await noisePng(100, 100);
    const small = await noisePng(40, 40);
    const largeId = await f.fdfsClient.uploadAppender(large, { ext: 'png' });
    const smallId = await f.fdfsClient.uploadAppender(small, { ext: 'png' });
    expect((await f.crop({ fdfsUrl: largeId, thumbW: 10, thumbH: 10 })).ret).toBe(ResultCode.BAD_IMAGE);
    const logged = f.logs.filter((entry) => entry.object.result === 'BAD_IMAGE').at(-1);
    expect(String(logged?.object.reason)).toMatch(new RegExp(`is ${large.length} bytes, over max_source_size 20000`));
    expect((await f.crop({ fdfsUrl: smallId, thumbW: 10, thumbH: 10 })).ret).toBe(ResultCode.OK);
  });
});
