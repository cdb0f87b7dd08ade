/**
 * The crop arithmetic of cmd 3005 (apps/cut-svr/src/crop-geometry.ts): scale to clip_w × clip_h
 * (0 = the source's own), cut the box in that space clipped to the picture, and BAD_ARGUMENT for
 * an empty box, a box with nothing inside, sizes over the limits.
 */
import { describe, expect, it } from 'vitest';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';
import {
  checkCropBox,
  planCrop,
  type CropBox,
  type CropLimits,
  type SourceSize,
} from '../../../apps/cut-svr/src/crop-geometry.js';

const LIMITS: CropLimits = { maxDimension: 10_000, maxPixels: 40_000_000 };
const SOURCE: SourceSize = { width: 1600, height: 1200, pages: 1 };
const box = (fields: Partial<CropBox>): CropBox => ({
  clipW: 800,
  clipH: 600,
  startX: 0,
  startY: 0,
  thumbW: 240,
  thumbH: 180,
  ...fields,
});

function badArgument(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ResultError);
    expect((err as ResultError).code).toBe(ResultCode.BAD_ARGUMENT);
    return (err as ResultError).message;
  }
  throw new Error('expected BAD_ARGUMENT, nothing was thrown');
}

describe('planCrop', () => {
  it('scales to clip_w x clip_h and cuts the box inside it as given', () => {
    expect(planCrop(box({ startX: 100, startY: 50 }), SOURCE, LIMITS)).toEqual({
      resize: { width: 800, height: 600 },
      extract: { left: 100, top: 50, width: 240, height: 180 },
    });
  });

  it('scales exactly to the size given, aspect as given (no fit, no letterbox)', () => {
    expect(planCrop(box({ clipW: 100, clipH: 900, thumbW: 100, thumbH: 900 }), SOURCE, LIMITS).resize).toEqual({
      width: 100,
      height: 900,
    });
  });

  it('clip 0 is the source own width / height; both 0 means no scaling at all', () => {
    expect(planCrop(box({ clipW: 0, clipH: 0 }), SOURCE, LIMITS).resize).toBeUndefined();
    expect(planCrop(box({ clipW: 0, clipH: 300 }), SOURCE, LIMITS).resize).toEqual({ width: 1600, height: 300 });
    expect(planCrop(box({ clipW: 400, clipH: 0 }), SOURCE, LIMITS).resize).toEqual({ width: 400, height: 1200 });
    expect(planCrop(box({ clipW: 1600, clipH: 1200 }), SOURCE, LIMITS).resize).toBeUndefined();
  });

  it('a box touching the edges from inside is whole', () => {
    expect(planCrop(box({ startX: 560, startY: 420 }), SOURCE, LIMITS).extract).toEqual({
      left: 560,
      top: 420,
      width: 240,
      height: 180,
    });
    expect(planCrop(box({ startX: 0, startY: 0, thumbW: 800, thumbH: 600 }), SOURCE, LIMITS).extract).toEqual({
      left: 0,
      top: 0,
      width: 800,
      height: 600,
    });
  });

  it('a box partly outside right / bottom is clipped to the picture', () => {
    expect(planCrop(box({ startX: 700, startY: 500 }), SOURCE, LIMITS).extract).toEqual({
      left: 700,
      top: 500,
      width: 100,
      height: 100,
    });
  });

  it('a negative start is clipped at 0: the output is the part inside', () => {
    expect(planCrop(box({ startX: -40, startY: -180 + 1 }), SOURCE, LIMITS).extract).toEqual({
      left: 0,
      top: 0,
      width: 200,
      height: 1,
    });
  });

  it('a box larger than the picture on every side is the whole picture', () => {
    expect(planCrop(box({ startX: -10, startY: -10, thumbW: 10_000, thumbH: 10_000 }), SOURCE, LIMITS).extract).toEqual(
      { left: 0, top: 0, width: 800, height: 600 },
    );
  });

  it('the extreme int32 starts do not overflow', () => {
    expect(planCrop(box({ startX: -9_000, thumbW: 10_000 }), SOURCE, LIMITS).extract).toMatchObject({
      left: 0,
      width: 800,
    });
    expect(badArgument(() => planCrop(box({ startX: -2147483648, thumbW: 10_000 }), SOURCE, LIMITS))).toMatch(
      /start_x -2147483648, thumb_w 10000 lies outside/,
    );
    expect(badArgument(() => planCrop(box({ startY: 2147483647 }), SOURCE, LIMITS))).toMatch(/start_y 2147483647/);
  });

  it('a box fully outside, on any side, is BAD_ARGUMENT', () => {
    for (const fields of [
      { startX: 800 }, // touches the right edge from outside
      { startY: 600 },
      { startX: 5000 },
      { startX: -240 }, // ends exactly at the left edge
      { startY: -180 },
      { startX: -1000, startY: -1000 },
    ]) {
      expect(badArgument(() => planCrop(box(fields), SOURCE, LIMITS))).toMatch(/lies outside the picture/);
    }
  });

  it('with clip 0 the box is judged against the source size', () => {
    expect(planCrop(box({ clipW: 0, clipH: 0, startX: 1500, startY: 1100 }), SOURCE, LIMITS).extract).toEqual({
      left: 1500,
      top: 1100,
      width: 100,
      height: 100,
    });
    expect(badArgument(() => planCrop(box({ clipW: 0, clipH: 0, startX: 1600 }), SOURCE, LIMITS))).toMatch(
      /start_x 1600, thumb_w 240 lies outside the picture's 1600 pixels \(x\)/,
    );
  });

  it('an empty box (thumb_w or thumb_h 0) is BAD_ARGUMENT', () => {
    expect(badArgument(() => planCrop(box({ thumbW: 0 }), SOURCE, LIMITS))).toMatch(/crop box 0x180 is empty/);
    expect(badArgument(() => planCrop(box({ thumbH: 0 }), SOURCE, LIMITS))).toMatch(/crop box 240x0 is empty/);
  });

  it('a size field over max_crop_dimension is BAD_ARGUMENT, naming the field', () => {
    expect(badArgument(() => planCrop(box({ clipW: 10_001 }), SOURCE, LIMITS))).toMatch(/^clip_w 10001 is over/);
    expect(badArgument(() => planCrop(box({ clipH: 4294967295 }), SOURCE, LIMITS))).toMatch(/^clip_h 4294967295/);
    expect(badArgument(() => planCrop(box({ thumbW: 10_001 }), SOURCE, LIMITS))).toMatch(/^thumb_w 10001/);
    expect(badArgument(() => planCrop(box({ thumbH: 4294967295 }), SOURCE, LIMITS))).toMatch(/^thumb_h/);
    expect(planCrop(box({ clipW: 10_000, clipH: 4000 }), SOURCE, LIMITS).resize).toEqual({
      width: 10_000,
      height: 4000,
    });
  });

  it('a scale to more pixels than the limit is BAD_ARGUMENT, frames counted', () => {
    expect(badArgument(() => planCrop(box({ clipW: 10_000, clipH: 4001 }), SOURCE, LIMITS))).toMatch(
      /scaling to 10000x4001 is over the limit of 40000000 pixels/,
    );
    const animation = { width: 100, height: 100, pages: 11 };
    expect(planCrop(box({ clipW: 1000, clipH: 3636 }), animation, LIMITS).resize).toEqual({
      width: 1000,
      height: 3636,
    });
    expect(badArgument(() => planCrop(box({ clipW: 1000, clipH: 3637 }), animation, LIMITS))).toMatch(
      /1000x3637 x 11 frames/,
    );
  });
});

describe('checkCropBox (before the source is fetched)', () => {
  it('rejects what the request alone shows: an empty box, sizes over the limit, a box outside clip_w x clip_h', () => {
    expect(() => checkCropBox(box({}), LIMITS)).not.toThrow();
    badArgument(() => checkCropBox(box({ thumbW: 0 }), LIMITS));
    badArgument(() => checkCropBox(box({ clipW: 20_000 }), LIMITS));
    badArgument(() => checkCropBox(box({ startX: 800 }), LIMITS));
    badArgument(() => checkCropBox(box({ startY: -180 }), LIMITS));
  });

  it('with clip 0 it cannot judge the box: that waits for the source size', () => {
    expect(() => checkCropBox(box({ clipW: 0, clipH: 0, startX: 99_999, startY: -99_999 }), LIMITS)).not.toThrow();
  });
});
