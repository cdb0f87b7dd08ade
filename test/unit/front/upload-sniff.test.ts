/** The magic numbers upload.cgi sniffs: each format as sharp writes it, and the near misses. */
import { describe, expect, it } from 'vitest';
import { sniffPictureType } from '../../../apps/front/src/upload/sniff-format.js';
import { animatedPicture, quadrantPicture } from '../../helpers/test-pictures.js';

describe('sniffPictureType', () => {
  it('knows JPEG, PNG, GIF and WebP (still and animated) by their first bytes', async () => {
    expect(sniffPictureType(await quadrantPicture('jpeg', 8, 8))).toBe('jpg');
    expect(sniffPictureType(await quadrantPicture('png', 8, 8))).toBe('png');
    expect(sniffPictureType(await quadrantPicture('gif', 8, 8))).toBe('gif');
    expect(sniffPictureType(await quadrantPicture('webp', 8, 8))).toBe('webp');
    const frames = [
      [255, 0, 0],
      [0, 0, 255],
    ] as const;
    expect(sniffPictureType(await animatedPicture('gif', 8, 8, frames))).toBe('gif');
    expect(sniffPictureType(await animatedPicture('webp', 8, 8, frames))).toBe('webp');
    expect(sniffPictureType(Buffer.from('GIF87a'))).toBe('gif');
  });

  it('knows nothing else, however close', () => {
    const cases = [
      Buffer.alloc(0),
      Buffer.from([0xff, 0xd8]),
      Buffer.from([0xff, 0xd8, 0xfe]),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a]),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0b]),
      Buffer.from('GIF88a'),
      Buffer.from('gif89a'),
      Buffer.from('RIFF\0\0\0\0WAVEfmt '),
      Buffer.from('RIFF\0\0\0\0WEB'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      Buffer.from('BM\0\0\0\0'),
      Buffer.from('II*\0'),
    ];
    for (const bytes of cases) expect(sniffPictureType(bytes), bytes.toString('hex')).toBeUndefined();
  });
});
