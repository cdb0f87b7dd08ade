/**
 * upload.cgi's size limits on real parts: upload_max_size to the byte, the pixel-bomb check on
 * the header before any decoding, and the session's weight_limit × height_limit, fitted (each
 * stored picture downloaded and decoded: its size, colours, frames) or rejected.
 */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCode } from '@pic-storage/frame-protocol';
import {
  postUpload,
  uniqueKey,
  startUploadStack,
  uploadForm,
  type UploadAnswer,
  type UploadFront,
  type UploadStack,
} from '../../helpers/upload-form.js';
import {
  animatedPicture,
  decodePicture,
  orientedJpeg,
  pixelAt,
  pngBomb,
  pngChunk,
  QUADRANTS,
  quadrantPicture,
  type Rgb,
} from '../../helpers/test-pictures.js';

const MiB = 1024 * 1024;

let stack: UploadStack;
let fit: UploadFront;
let reject: UploadFront;

beforeAll(async () => {
  stack = await startUploadStack();
  fit = await stack.front();
  reject = await stack.front({ limitMode: 'reject' });
});

afterAll(async () => {
  await stack?.stop();
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG whose IHDR (valid CRC) declares width × height RGB pixels, followed by a few bytes of IDAT. */
function declaredPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // colour type: RGB
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A valid PNG of exactly `size` bytes: a small picture and a tEXt chunk of filler. */
async function pngOfSize(size: number): Promise<Buffer> {
  const picture = await quadrantPicture('png', 32, 32);
  const iend = picture.subarray(picture.length - 12);
  const body = picture.subarray(0, picture.length - 12);
  const filler = size - picture.length - 12; // the tEXt chunk's data
  const text = Buffer.alloc(filler, 0x61);
  text.write('Comment\0', 0, 'latin1');
  const out = Buffer.concat([body, pngChunk('tEXt', text), iend]);
  expect(out.length).toBe(size);
  return out;
}

async function upload(front: UploadFront, file: Buffer, type: string, limits: { width: number; height: number }) {
  const key = uniqueKey({ widthLimit: limits.width, heightLimit: limits.height, ip: '0.0.0.0' });
  return postUpload(front.url, uploadForm({ sessionKey: key, type, file }));
}

async function stored(answer: UploadAnswer): Promise<Buffer> {
  expect(answer.status, answer.text).toBe(200);
  const data = await stack.clients.client(0).download(answer.json.lloc as string);
  expect(answer.json.len).toBe(data.length);
  return data;
}

function expectColour(actual: Rgb, expected: Rgb): void {
  for (let i = 0; i < 3; i++) expect(Math.abs((actual[i] as number) - (expected[i] as number))).toBeLessThan(40);
}

describe('upload.cgi: upload_max_size', () => {
  it('stores a picture of exactly 5 MiB and refuses 5 MiB + 1 byte (413, 1003)', async () => {
    const exact = await pngOfSize(5 * MiB);
    const answer = await upload(fit, exact, 'png', { width: 0, height: 0 });
    // Buffer#equals: vitest's deep equality walks 5 MiB byte by byte for seconds.
    expect((await stored(answer)).equals(exact)).toBe(true);

    const over = await pngOfSize(5 * MiB + 1);
    const refused = await stack.leavesNothing(() => upload(fit, over, 'png', { width: 0, height: 0 }));
    expect(refused.status).toBe(413);
    expect(refused.json).toMatchObject({ result: 'error', code: ResultCode.BAD_ARGUMENT });
  });
});

describe('upload.cgi: pixel bombs', () => {
  it('refuses a PNG that declares 50000 x 50000 from its header, before decoding (413, 1006)', async () => {
    // Decoding would fail (a few bytes of IDAT): 413 rather than 415 shows it was refused on its header.
    const bomb = declaredPng(50_000, 50_000);
    expect(bomb.length).toBeLessThan(200);
    const answer = await stack.leavesNothing(() => upload(fit, bomb, 'png', { width: 0, height: 0 }));
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ result: 'error', code: ResultCode.BAD_IMAGE });
    expect(answer.json.message).toContain('50000x50000');
  });

  it('refuses a decodable picture over max_input_pixels, counting every frame; accepts one at the limit', async () => {
    const small = await stack.front({ maxInputPixels: 100 * 100 });
    try {
      const over = pngBomb(101, 100);
      expect((await stack.leavesNothing(() => upload(small, over, 'png', { width: 0, height: 0 }))).status).toBe(413);
      // 3 frames of 60 x 60 = 10800 pixels: over, though one frame is not.
      const frames = await animatedPicture('gif', 60, 60, [
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
      ]);
      expect((await stack.leavesNothing(() => upload(small, frames, 'gif', { width: 0, height: 0 }))).status).toBe(413);
      const atLimit = pngBomb(100, 100);
      expect(await stored(await upload(small, atLimit, 'png', { width: 0, height: 0 }))).toEqual(atLimit);
    } finally {
      await small.close();
    }
  });
});

describe('upload.cgi: the session box, limit_mode = fit', () => {
  it('scales a larger JPEG down to fit inside, aspect kept, and registers the stored size', async () => {
    const source = await quadrantPicture('jpeg', 1600, 1200);
    const rows = stack.metadataRows();
    const answer = await upload(fit, source, 'jpg', { width: 800, height: 600 });
    const picture = await decodePicture(await stored(answer));
    expect(picture).toMatchObject({ format: 'jpeg', width: 800, height: 600, pages: 1 });
    expectColour(pixelAt(picture, 200, 150), QUADRANTS.topLeft);
    expectColour(pixelAt(picture, 600, 450), QUADRANTS.bottomRight);
    expect(stack.metadataRows()).toBe(rows + 1);
  });

  it('fits to the one side limited (0 = none) and never enlarges', async () => {
    const tall = await quadrantPicture('png', 1000, 2000);
    const narrow = await decodePicture(await stored(await upload(fit, tall, 'png', { width: 800, height: 0 })));
    expect([narrow.width, narrow.height]).toEqual([800, 1600]);
    const low = await decodePicture(await stored(await upload(fit, tall, 'png', { width: 0, height: 500 })));
    expect([low.width, low.height]).toEqual([250, 500]);

    const smaller = await quadrantPicture('png', 300, 200);
    expect(await stored(await upload(fit, smaller, 'png', { width: 800, height: 600 }))).toEqual(smaller);
  });

  it('keeps every frame of an animated GIF and WebP, with their delays', async () => {
    const colours: Rgb[] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ];
    for (const format of ['gif', 'webp'] as const) {
      const source = await animatedPicture(format, 1000, 500, colours);
      const data = await stored(await upload(fit, source, format, { width: 400, height: 400 }));
      const picture = await decodePicture(data);
      expect(picture, format).toMatchObject({ format, width: 400, height: 200, pages: 3 });
      colours.forEach((colour, page) => expectColour(pixelAt(picture, 200, 100, page), colour));
      expect((await sharp(data, { animated: true }).metadata()).delay).toEqual([100, 100, 100]);
    }
  });

  it('measures a JPEG as shown (EXIF orientation applied) and stores a scaled one upright', async () => {
    // Stored 300 x 400, shown 400 x 300 (orientation 6): within a 400 x 300 box as shown.
    const within = await orientedJpeg(400, 300, 6);
    expect(await stored(await upload(fit, within, 'jpg', { width: 400, height: 300 }))).toEqual(within);

    const large = await orientedJpeg(1000, 500, 6);
    const picture = await decodePicture(await stored(await upload(fit, large, 'jpg', { width: 800, height: 600 })));
    expect([picture.width, picture.height]).toEqual([800, 400]);
    expectColour(pixelAt(picture, 100, 50), QUADRANTS.topLeft);
    expectColour(pixelAt(picture, 700, 50), QUADRANTS.topRight);
    expectColour(pixelAt(picture, 100, 350), QUADRANTS.bottomLeft);
  });
});

describe('upload.cgi: the session box, limit_mode = reject', () => {
  it('refuses a larger picture with a message naming the limits (413, 1006); stores a smaller one as is', async () => {
    const source = await quadrantPicture('jpeg', 1600, 1200);
    const answer = await stack.leavesNothing(() => upload(reject, source, 'jpg', { width: 800, height: 600 }));
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ result: 'error', code: ResultCode.BAD_IMAGE });
    expect(answer.json.message).toContain('1600x1200');
    expect(answer.json.message).toContain('800x600');

    const tall = await stack.leavesNothing(() => upload(reject, source, 'jpg', { width: 0, height: 1000 }));
    expect(tall.status).toBe(413);
    expect(tall.json.message).toContain('1000 pixels high');

    const within = await quadrantPicture('jpeg', 800, 600);
    expect(await stored(await upload(reject, within, 'jpg', { width: 800, height: 600 }))).toEqual(within);
  });
});
