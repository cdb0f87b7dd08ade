import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { structureProblem } from '../../../apps/front/src/upload/picture-structure.js';
import type { PictureType } from '../../../apps/front/src/upload/picture-type.js';

const files = new Map<PictureType, Buffer>();

beforeAll(async () => {
  const base = () => sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7bd5' } });
  files.set('jpg', await base().jpeg().toBuffer());
  files.set('png', await base().png().toBuffer());
  files.set('gif', await base().gif().toBuffer());
  files.set('webp', await base().webp().toBuffer());
});

function file(type: PictureType): Buffer {
  return files.get(type) as Buffer;
}

describe('structureProblem: is an uploaded picture whole, without decoding it', () => {
  it.each(['jpg', 'png', 'gif', 'webp'] as const)('a whole %s passes; cut at any point it does not', (type) => {
    const whole = file(type);
    expect(structureProblem(whole, type)).toBeUndefined();
    for (let cut = 1; cut < whole.length; cut += Math.max(1, Math.floor(whole.length / 97))) {
      expect(structureProblem(whole.subarray(0, cut), type), `${type} cut at ${cut}`).toMatch(/cut off|shorter/);
    }
  });

  it('padding after a JPEG end marker or a GIF trailer is allowed', () => {
    expect(structureProblem(Buffer.concat([file('jpg'), Buffer.alloc(10)]), 'jpg')).toBeUndefined();
    expect(structureProblem(Buffer.concat([file('gif'), Buffer.from('\r\n')]), 'gif')).toBeUndefined();
  });

  it('one garbled byte in any PNG chunk is a wrong CRC', () => {
    const png = file('png');
    for (let at = 8; at < png.length; at += 7) {
      const damaged = Buffer.from(png);
      damaged[at] = (damaged[at] as number) ^ 0x20;
      expect(structureProblem(damaged, 'png'), `byte ${at}`).toMatch(/wrong CRC|cut off|runs past/);
    }
  });
});
