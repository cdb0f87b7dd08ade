/**
 * The sharp pipeline of cut_svr (apps/cut-svr/src/crop-image.ts) without a network: what is not a
 * JPEG / PNG / GIF / WebP, or declares too many pixels, is BAD_IMAGE before anything is decoded;
 * the result keeps the source's format; the stored extension follows the source's when it fits.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';
import {
  configureImageThreads,
  cropImage,
  extensionFor,
  libuvPoolSize,
  type CropImageOptions,
} from '../../../apps/cut-svr/src/crop-image.js';
import { decodePicture, pngBomb, quadrantPicture } from '../../helpers/test-pictures.js';

const OPTIONS: CropImageOptions = {
  maxInputPixels: 40_000_000,
  maxPixels: 40_000_000,
  maxDimension: 10_000,
  timeoutSeconds: 20,
  jpegQuality: 90,
  webpQuality: 90,
};
const WHOLE = { clipW: 0, clipH: 0, startX: 0, startY: 0, thumbW: 10_000, thumbH: 10_000 };

async function codeOf(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ResultError);
    return { code: (err as ResultError).code, message: (err as ResultError).message };
  }
  throw new Error('expected a ResultError');
}

describe('cropImage', () => {
  it('bytes that are no picture are BAD_IMAGE', async () => {
    const { code, message } = await codeOf(cropImage(Buffer.from('just some text, no picture'), WHOLE, OPTIONS));
    expect(code).toBe(ResultCode.BAD_IMAGE);
    expect(message).toMatch(/cannot read the source as a picture/);
  });

  it('SVG and TIFF are BAD_IMAGE: only JPEG, PNG, GIF and WebP are read', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>',
    );
    expect(await codeOf(cropImage(svg, WHOLE, OPTIONS))).toEqual({
      code: ResultCode.BAD_IMAGE,
      message: 'source format svg is not JPEG, PNG, GIF or WebP',
    });
    const tiff = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .tiff()
      .toBuffer();
    expect((await codeOf(cropImage(tiff, WHOLE, OPTIONS))).code).toBe(ResultCode.BAD_IMAGE);
  });

  it('a source declaring more pixels than maxInputPixels is BAD_IMAGE, from its header', async () => {
    const bomb = pngBomb(8000, 6000); // 48 MP declared
    const { code, message } = await codeOf(cropImage(bomb, WHOLE, OPTIONS));
    expect(code).toBe(ResultCode.BAD_IMAGE);
    expect(message).toMatch(/pixel limit/);
  });

  it('a truncated picture is BAD_IMAGE', async () => {
    const png = await quadrantPicture('png', 64, 64);
    expect((await codeOf(cropImage(png.subarray(0, 60), WHOLE, OPTIONS))).code).toBe(ResultCode.BAD_IMAGE);
  });

  it('a box outside the picture is BAD_ARGUMENT, decided from the header', async () => {
    const png = await quadrantPicture('png', 64, 48);
    const { code } = await codeOf(cropImage(png, { ...WHOLE, startX: 64, thumbW: 10 }, OPTIONS));
    expect(code).toBe(ResultCode.BAD_ARGUMENT);
  });

  for (const format of ['jpeg', 'png', 'gif', 'webp'] as const) {
    it(`${format} in, ${format} out, at the box's size`, async () => {
      const source = await quadrantPicture(format, 64, 48);
      const box = { clipW: 128, clipH: 96, startX: 10, startY: 20, thumbW: 30, thumbH: 40 };
      const result = await cropImage(source, box, OPTIONS);
      expect(result).toMatchObject({ format, width: 30, height: 40, pages: 1 });
      const decoded = await decodePicture(result.data);
      expect(decoded).toMatchObject({ format, width: 30, height: 40 });
    });
  }
});

describe('extensionFor', () => {
  it("keeps the source's extension when it names the format, else gives the format's", () => {
    expect(extensionFor('jpeg', 'jpg')).toBe('jpg');
    expect(extensionFor('jpeg', 'JPEG')).toBe('JPEG');
    expect(extensionFor('jpeg', 'png')).toBe('jpg');
    expect(extensionFor('png', '')).toBe('png');
    expect(extensionFor('gif', 'gif')).toBe('gif');
    expect(extensionFor('webp', 'jpg')).toBe('webp');
  });
});

describe('threads', () => {
  it('the libuv pool size is UV_THREADPOOL_SIZE, default 4', () => {
    expect(libuvPoolSize({})).toBe(4);
    expect(libuvPoolSize({ UV_THREADPOOL_SIZE: '12' })).toBe(12);
    expect(libuvPoolSize({ UV_THREADPOOL_SIZE: 'many' })).toBe(4);
    expect(libuvPoolSize({ UV_THREADPOOL_SIZE: '0' })).toBe(4);
  });

  it('libvips threads per image divide the cores among the images computed at once', () => {
    const before = sharp.concurrency();
    try {
      expect(configureImageThreads(8, 2, 4)).toBe(4);
      expect(sharp.concurrency()).toBe(4);
      expect(configureImageThreads(8, 16, 4)).toBe(2); // only 4 run at once: the pool's size
      expect(configureImageThreads(2, 2, 4)).toBe(1);
      expect(configureImageThreads(2, 8, 16)).toBe(1);
    } finally {
      sharp.concurrency(before);
      sharp.cache(true);
    }
  });
});
