import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { plainHeader } from '../../../apps/front/src/upload/picture-header.js';
import type { PictureType } from '../../../apps/front/src/upload/picture-type.js';
import { animatedPicture, pngBomb, pngChunk } from '../../helpers/test-pictures.js';

const base = () => sharp({ create: { width: 301, height: 203, channels: 3, background: '#3366cc' } });

/** The PNG with `chunk` put just before its first IDAT. */
function withChunkBeforeIdat(png: Buffer, chunk: Buffer): Buffer {
  const idat = png.indexOf('IDAT', 8, 'latin1') - 4;
  return Buffer.concat([png.subarray(0, idat), chunk, png.subarray(idat)]);
}

describe('plainHeader: the size of a plain picture, read in JS', () => {
  it('reads what libvips reads of a JPEG (baseline and progressive), a PNG, a lossy and a lossless WebP', async () => {
    const pictures: [PictureType, Buffer][] = [
      ['jpg', await base().jpeg().toBuffer()],
      ['jpg', await base().jpeg({ progressive: true }).toBuffer()],
      ['png', await base().png().toBuffer()],
      ['webp', await base().webp({ quality: 80 }).toBuffer()],
      ['webp', await base().webp({ lossless: true }).toBuffer()],
    ];
    for (const [type, bytes] of pictures) {
      const { width, height } = await sharp(bytes).metadata();
      expect(plainHeader(bytes, type), type).toEqual({ width, height });
      expect(width).toBe(301);
    }
  });

  it('leaves to libvips what may be turned or animated: EXIF, APNG, eXIf, GIF, extended WebP', async () => {
    const exif = await base().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(exif).metadata()).orientation).toBe(6);
    expect(plainHeader(exif, 'jpg')).toBeUndefined();
    const png = await base().png().toBuffer();
    expect(plainHeader(withChunkBeforeIdat(png, pngChunk('acTL', Buffer.alloc(8))), 'png')).toBeUndefined();
    expect(plainHeader(withChunkBeforeIdat(png, pngChunk('eXIf', Buffer.alloc(8))), 'png')).toBeUndefined();
    expect(plainHeader(await base().gif().toBuffer(), 'gif')).toBeUndefined();
    const alpha = await sharp({ create: { width: 20, height: 10, channels: 4, background: '#ff000080' } })
      .webp()
      .toBuffer();
    expect(alpha.toString('latin1', 12, 16)).toBe('VP8X');
    expect(plainHeader(alpha, 'webp')).toBeUndefined();
  });

  it('reads a pixel bomb’s declared size without decoding anything', () => {
    expect(plainHeader(pngBomb(30_000, 30_000), 'png')).toEqual({ width: 30_000, height: 30_000 });
  });

  it('leaves an animated WebP to libvips', async () => {
    const animated = await animatedPicture('webp', 8, 8, [
      [255, 0, 0],
      [0, 0, 255],
    ]);
    expect((await sharp(animated, { animated: true }).metadata()).pages).toBe(2);
    expect(plainHeader(animated, 'webp')).toBeUndefined();
  });

  it('answers undefined, never throws, for cut-off and random bytes behind each magic number', async () => {
    const jpeg = await base().jpeg().toBuffer();
    const png = await base().png().toBuffer();
    const webp = await base().webp().toBuffer();
    for (const [type, whole] of [
      ['jpg', jpeg],
      ['png', png],
      ['webp', webp],
    ] as const) {
      for (let cut = 0; cut < 200; cut++) {
        const header = plainHeader(whole.subarray(0, cut), type);
        if (header !== undefined) expect(header).toEqual({ width: 301, height: 203 });
      }
    }
    for (let i = 0; i < 2000; i++) {
      const noise = randomBytes(64);
      const magic = [
        [Buffer.from([0xff, 0xd8, 0xff]), 'jpg'],
        [png.subarray(0, 8), 'png'],
        [Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), 'webp'],
      ] as const;
      const [prefix, type] = magic[i % 3] as (typeof magic)[number];
      expect(() => plainHeader(Buffer.concat([prefix, noise]), type)).not.toThrow();
    }
  });
});
