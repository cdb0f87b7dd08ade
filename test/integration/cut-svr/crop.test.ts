/**
 * cut_svr end to end over real sockets, with an EmbeddedFdfs as the FastDFS: cmd 3005 scales,
 * cuts, stores the result as a new file in the source's group and answers its id; each failure
 * has its result code; and after every request the server still serves the next one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { CROP_REQUEST_SIZE, ResultCode, decodeCropResponse, encodeCropRequest, Cmd } from '@pic-storage/frame-protocol';
import {
  QUADRANTS,
  animatedPicture,
  decodePicture,
  maxChannelDifference,
  meanChannelDifference,
  orientedJpeg,
  pixelAt,
  pngBomb,
  quadrantPicture,
  type Rgb,
  type TestFormat,
} from '../../helpers/test-pictures.js';
import { startCutSvrFixture, type CutSvrFixture } from './cut-svr-fixture.js';

let f: CutSvrFixture;
/** A 400 x 300 quadrant picture in each format, uploaded once. */
const sources = new Map<TestFormat, { id: string; bytes: Buffer }>();
const EXT: Record<TestFormat, string> = { jpeg: 'jpg', png: 'png', gif: 'gif', webp: 'webp' };

beforeAll(async () => {
  f = await startCutSvrFixture();
  for (const format of ['jpeg', 'png', 'gif', 'webp'] as const) {
    const bytes = await quadrantPicture(format, 400, 300);
    sources.set(format, { id: await f.upload(bytes, EXT[format]), bytes });
  }
});
afterAll(async () => {
  await f?.stop();
});

const source = (format: TestFormat): { id: string; bytes: Buffer } =>
  sources.get(format) as { id: string; bytes: Buffer };

/** The server answers a good crop after whatever the test before did. */
afterEach(async () => {
  const reply = await f.crop({ fdfsUrl: source('png').id, thumbW: 8, thumbH: 8 });
  expect(reply.ret).toBe(ResultCode.OK);
});

/** Crops, expects success, downloads the new file with FdfsClient and decodes it. */
async function cropOk(
  fdfsUrl: string,
  box: { clipW?: number; clipH?: number; startX?: number; startY?: number; thumbW: number; thumbH: number },
) {
  const reply = await f.crop({ fdfsUrl, ...box });
  expect(reply.ret).toBe(ResultCode.OK);
  const response = decodeCropResponse(reply.body);
  expect(response.hostid).toBe(0);
  const stored = await f.fdfsClient.download(response.fdfsUrl);
  return { fileId: response.fdfsUrl, stored, picture: await decodePicture(stored) };
}

function expectColour(actual: Rgb, expected: Rgb, tolerance: number): void {
  for (let c = 0; c < 3; c++)
    expect(Math.abs((actual[c] as number) - (expected[c] as number))).toBeLessThanOrEqual(tolerance);
}

describe('crop results', () => {
  it('jpg: scaled to clip_w x clip_h, the box cut out: size and colours checked by decoding the stored file', async () => {
    const { id } = source('jpeg');
    // 400x300 shown at 200x150: the top-left quadrant is 100x75 there.
    const { fileId, stored, picture } = await cropOk(id, {
      clipW: 200,
      clipH: 150,
      startX: 10,
      startY: 10,
      thumbW: 80,
      thumbH: 55,
    });
    expect(fileId).toMatch(/^group1\/M00\/[0-9A-F]{2}\/[0-9A-F]{2}\/[A-Za-z0-9_-]{27}[^/]*\.jpg$/);
    expect(fileId).not.toBe(id);
    expect((await sharp(stored).metadata()).format).toBe('jpeg');
    expect([picture.width, picture.height]).toEqual([80, 55]);
    for (const [x, y] of [
      [0, 0],
      [79, 54],
      [40, 27],
    ] as const) {
      expectColour(pixelAt(picture, x, y), QUADRANTS.topLeft, 24);
    }
  });

  it('a box across the quadrant borders matches a reference sharp resize + extract of the same source', async () => {
    for (const format of ['png', 'jpeg', 'webp'] as const) {
      const { id, bytes } = source(format);
      const box = { clipW: 320, clipH: 480, startX: 100, startY: 180, thumbW: 120, thumbH: 120 };
      const { picture } = await cropOk(id, box);
      const reference = await sharp(bytes)
        .resize({ width: 320, height: 480, fit: 'fill' })
        .extract({ left: 100, top: 180, width: 120, height: 120 })
        .removeAlpha()
        .raw()
        .toBuffer();
      expect(picture.format).toBe(format);
      expect([picture.width, picture.height]).toEqual([120, 120]);
      if (format === 'png') expect(maxChannelDifference(picture.pixels, reference)).toBe(0);
      else expect(meanChannelDifference(picture.pixels, reference)).toBeLessThan(4);
      // The box's four corners lie in the four quadrants (split at 160, 240 in the 320x480 space).
      expectColour(pixelAt(picture, 5, 5), QUADRANTS.topLeft, 30);
      expectColour(pixelAt(picture, 114, 5), QUADRANTS.topRight, 30);
      expectColour(pixelAt(picture, 5, 114), QUADRANTS.bottomLeft, 30);
      expectColour(pixelAt(picture, 114, 114), QUADRANTS.bottomRight, 30);
    }
  });

  for (const format of ['jpeg', 'png', 'gif', 'webp'] as const) {
    it(`${format} in, ${format} out, stored with the source's extension in the source's group`, async () => {
      const { fileId, stored, picture } = await cropOk(source(format).id, {
        startX: 250,
        startY: 200,
        thumbW: 100,
        thumbH: 60,
      });
      expect((await sharp(stored).metadata()).format).toBe(format);
      expect(fileId.endsWith(`.${EXT[format]}`)).toBe(true);
      expect(fileId.startsWith('group1/')).toBe(true);
      expect([picture.width, picture.height]).toEqual([100, 60]);
      expectColour(pixelAt(picture, 50, 30), QUADRANTS.bottomRight, 24);
    });
  }

  it('clip 0 x 0 cuts from the source at its own size', async () => {
    const { picture } = await cropOk(source('png').id, { startX: 190, startY: 140, thumbW: 20, thumbH: 20 });
    expect([picture.width, picture.height]).toEqual([20, 20]);
    expect(pixelAt(picture, 0, 0)).toEqual(QUADRANTS.topLeft);
    expect(pixelAt(picture, 19, 0)).toEqual(QUADRANTS.topRight);
    expect(pixelAt(picture, 0, 19)).toEqual(QUADRANTS.bottomLeft);
    expect(pixelAt(picture, 19, 19)).toEqual(QUADRANTS.bottomRight);
  });

  it('a box partly outside (negative start, past the right and bottom edges) gives the part inside', async () => {
    const left = await cropOk(source('png').id, {
      clipW: 200,
      clipH: 100,
      startX: -30,
      startY: -20,
      thumbW: 50,
      thumbH: 40,
    });
    expect([left.picture.width, left.picture.height]).toEqual([20, 20]);
    expect(pixelAt(left.picture, 0, 0)).toEqual(QUADRANTS.topLeft);
    const right = await cropOk(source('png').id, {
      clipW: 200,
      clipH: 100,
      startX: 180,
      startY: 90,
      thumbW: 50,
      thumbH: 40,
    });
    expect([right.picture.width, right.picture.height]).toEqual([20, 10]);
    expect(pixelAt(right.picture, 19, 9)).toEqual(QUADRANTS.bottomRight);
  });

  it('a file id given as a download URL works like the bare id', async () => {
    // char[64] leaves room for a short host before the id.
    const url = `http://p/${source('png').id}`;
    expect(url.length).toBeLessThanOrEqual(64);
    const { picture } = await cropOk(url, { thumbW: 10, thumbH: 10 });
    expect(pixelAt(picture, 5, 5)).toEqual(QUADRANTS.topLeft);
  });

  it('EXIF orientation is applied first: the box is placed on the upright picture', async () => {
    // Upright 80 x 40, stored 40 x 80 with orientation 6.
    const id = await f.upload(await orientedJpeg(80, 40, 6), 'jpg');
    const whole = await cropOk(id, { thumbW: 1000, thumbH: 1000 });
    expect([whole.picture.width, whole.picture.height]).toEqual([80, 40]);
    const topRight = await cropOk(id, { startX: 50, startY: 5, thumbW: 20, thumbH: 10 });
    expectColour(pixelAt(topRight.picture, 10, 5), QUADRANTS.topRight, 24);
    expect((await sharp(topRight.stored).metadata()).orientation).toBeUndefined();
  });

  for (const format of ['gif', 'webp'] as const) {
    it(`an animated ${format} keeps every frame, each scaled and cut the same way`, async () => {
      const colours: Rgb[] = [
        [255, 0, 0],
        [0, 0, 255],
        [0, 255, 0],
      ];
      const id = await f.upload(await animatedPicture(format, 60, 40, colours), EXT[format]);
      const { stored, picture } = await cropOk(id, {
        clipW: 120,
        clipH: 80,
        startX: 100,
        startY: 70,
        thumbW: 50,
        thumbH: 50,
      });
      expect(picture).toMatchObject({ format, width: 20, height: 10, pages: 3 });
      colours.forEach((colour, page) => expectColour(pixelAt(picture, 10, 5, page), colour, 8));
      expect((await sharp(stored, { animated: true }).metadata()).delay).toEqual([100, 100, 100]);
    });
  }
});

describe('refusals', () => {
  it('a box fully outside the picture is BAD_ARGUMENT (1003), with clip given or not', async () => {
    const id = source('png').id;
    expect((await f.crop({ fdfsUrl: id, clipW: 200, clipH: 150, startX: 200, thumbW: 10, thumbH: 10 })).ret).toBe(1003);
    expect((await f.crop({ fdfsUrl: id, startX: 400, thumbW: 10, thumbH: 10 })).ret).toBe(1003);
    expect((await f.crop({ fdfsUrl: id, startX: -10, startY: -10, thumbW: 10, thumbH: 300 })).ret).toBe(1003);
    expect((await f.crop({ fdfsUrl: id, startY: 300, thumbW: 10, thumbH: 10 })).ret).toBe(1003);
  });

  it('an empty box, a size over the limits, a scale to too many pixels are BAD_ARGUMENT (1003)', async () => {
    const id = source('png').id;
    expect((await f.crop({ fdfsUrl: id, thumbW: 0, thumbH: 10 })).ret).toBe(1003);
    expect((await f.crop({ fdfsUrl: id, thumbW: 10, thumbH: 10_001 })).ret).toBe(1003);
    expect((await f.crop({ fdfsUrl: id, clipW: 0xffffffff, thumbW: 10, thumbH: 10 })).ret).toBe(1003);
    expect((await f.crop({ fdfsUrl: id, clipW: 10_000, clipH: 10_000, thumbW: 10, thumbH: 10 })).ret).toBe(1003);
  });

  it('a source that does not exist is NOT_FOUND (1004)', async () => {
    const id = await f.upload(await quadrantPicture('png', 8, 8), 'png');
    await f.fdfsClient.delete(id);
    expect((await f.crop({ fdfsUrl: id, thumbW: 4, thumbH: 4 })).ret).toBe(ResultCode.NOT_FOUND);
    const otherGroup = id.replace(/^group1\//, 'group9/');
    expect((await f.crop({ fdfsUrl: otherGroup, thumbW: 4, thumbH: 4 })).ret).toBe(ResultCode.NOT_FOUND);
  });

  it('a source that is not a picture is BAD_IMAGE (1006)', async () => {
    const id = await f.upload(Buffer.from('this is a text file, not a picture'), 'jpg');
    expect((await f.crop({ fdfsUrl: id, thumbW: 4, thumbH: 4 })).ret).toBe(ResultCode.BAD_IMAGE);
  });

  it('a decompression bomb (a 110 KB PNG declaring 30000 x 30000) is BAD_IMAGE (1006) without decoding it', async () => {
    const bomb = pngBomb(30_000, 30_000);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const id = await f.upload(bomb, 'png');
    const before = process.memoryUsage().rss;
    expect((await f.crop({ fdfsUrl: id, thumbW: 100, thumbH: 100 })).ret).toBe(ResultCode.BAD_IMAGE);
    // Decoded, it is 900 MB of pixels; refused from its header, it costs next to nothing.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    const failure = f.logs.find(
      (entry) => entry.object.result === 'BAD_IMAGE' && /pixel limit/.test(String(entry.object.reason)),
    );
    expect(failure).toBeDefined();
  });

  it('a hostid with no cluster is BAD_ARGUMENT (1003)', async () => {
    expect((await f.crop({ hostid: 7, fdfsUrl: source('png').id, thumbW: 4, thumbH: 4 })).ret).toBe(
      ResultCode.BAD_ARGUMENT,
    );
  });

  it('a cluster whose tracker cannot be reached is STORAGE_UNAVAILABLE (1005), logged with the source and why', async () => {
    expect((await f.crop({ hostid: 1, fdfsUrl: source('png').id, thumbW: 4, thumbH: 4 })).ret).toBe(
      ResultCode.STORAGE_UNAVAILABLE,
    );
    const logged = f.logs.find((entry) => entry.object.result === 'STORAGE_UNAVAILABLE');
    expect(String(logged?.object.reason)).toMatch(
      /^crop of group1\/\S+ \(hostid 1\): download of group1\/\S+: no tracker answered/,
    );
  });

  it('a body of the wrong length is BAD_BODY (1001)', async () => {
    const body = encodeCropRequest({
      hostid: 0,
      fdfsUrl: source('png').id,
      clipW: 0,
      clipH: 0,
      startX: 0,
      startY: 0,
      thumbW: 4,
      thumbH: 4,
    });
    expect(body.length).toBe(CROP_REQUEST_SIZE);
    for (const bad of [body.subarray(0, 91), Buffer.concat([body, Buffer.alloc(1)]), Buffer.alloc(0)]) {
      expect((await f.frame.request(Cmd.CROP, bad)).ret).toBe(ResultCode.BAD_BODY);
    }
  });

  it('a file id with `..` or no file id at all is BAD_ARGUMENT (1003)', async () => {
    for (const fdfsUrl of [
      'group1/M00/00/../../../../etc/passwd',
      '../../../../../etc/passwd.jpg',
      'group1/M00/00/00/..',
      'not a file id',
      '',
    ]) {
      expect((await f.crop({ fdfsUrl, thumbW: 4, thumbH: 4 })).ret).toBe(ResultCode.BAD_ARGUMENT);
    }
  });

  it('no refusal stores anything: only successful crops add files to the storage', async () => {
    const id = source('png').id;
    const before = await f.storedFileCount();
    await f.crop({ fdfsUrl: id, startX: 5000, thumbW: 4, thumbH: 4 });
    await f.crop({ fdfsUrl: id, clipW: 9000, clipH: 9000, thumbW: 4, thumbH: 4 });
    await f.crop({ fdfsUrl: 'group1/M00/00/../x.jpg', thumbW: 4, thumbH: 4 });
    await f.crop({ hostid: 9, fdfsUrl: id, thumbW: 4, thumbH: 4 });
    expect(await f.storedFileCount()).toBe(before);
    expect((await f.crop({ fdfsUrl: id, thumbW: 4, thumbH: 4 })).ret).toBe(ResultCode.OK);
    expect(await f.storedFileCount()).toBe(before + 1);
  });
});
