import { badArgument, type CropRequest } from '@pic-storage/frame-protocol';

/*
 * The crop of cmd 3005 as arithmetic, with no picture in sight (docs/frame-protocol.md):
 *
 *   1. the source (w × h, upright) is scaled to clip_w × clip_h, exactly, aspect as given
 *      (0 = the source's own width / height): the size the game showed it at;
 *   2. the box (start_x, start_y, thumb_w, thumb_h) is taken in that scaled space and clipped
 *      to it: a box partly outside gives only the part inside (so a smaller output);
 *   3. a box with nothing inside is BAD_ARGUMENT.
 */

/** The request fields that place the box (the cmd 3005 body but the source's hostid and file id). */
export type CropBox = Omit<CropRequest, 'hostid' | 'fdfsUrl'>;

export interface CropLimits {
  /** clip_w, clip_h, thumb_w and thumb_h may each be at most this. */
  maxDimension: number;
  /** Pixels the scaled picture may have, all frames together: what the crop makes libvips compute. */
  maxPixels: number;
}

/** The source as it will be shown: upright (EXIF orientation applied), one frame's size. */
export interface SourceSize {
  width: number;
  height: number;
  /** Frames of an animation; 1 for a still picture. */
  pages: number;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** What the image pipeline does: scale (unless the size is already right), then cut. */
export interface CropPlan {
  resize: { width: number; height: number } | undefined;
  extract: Rect;
}

/**
 * The checks that need no picture, made before the source is fetched: sizes in range, and, when
 * clip_w / clip_h are given, a box that cannot reach the scaled picture.
 */
export function checkCropBox(box: CropBox, limits: CropLimits): void {
  const { maxDimension } = limits;
  if (box.thumbW === 0 || box.thumbH === 0) {
    throw badArgument(`crop box ${box.thumbW}x${box.thumbH} is empty`);
  }
  for (const [name, value] of [
    ['clip_w', box.clipW],
    ['clip_h', box.clipH],
    ['thumb_w', box.thumbW],
    ['thumb_h', box.thumbH],
  ] as const) {
    if (value > maxDimension) throw badArgument(`${name} ${value} is over the limit of ${maxDimension}`);
  }
  if (box.clipW > 0) span('x', box.startX, box.thumbW, box.clipW);
  if (box.clipH > 0) span('y', box.startY, box.thumbH, box.clipH);
}

/** The plan for a source of `source` size; BAD_ARGUMENT when the box misses the scaled picture. */
export function planCrop(box: CropBox, source: SourceSize, limits: CropLimits): CropPlan {
  checkCropBox(box, limits);
  const width = box.clipW === 0 ? source.width : box.clipW;
  const height = box.clipH === 0 ? source.height : box.clipH;
  const pixels = width * height * source.pages;
  if (pixels > limits.maxPixels) {
    const frames = source.pages > 1 ? ` x ${source.pages} frames` : '';
    throw badArgument(`scaling to ${width}x${height}${frames} is over the limit of ${limits.maxPixels} pixels`);
  }
  const x = span('x', box.startX, box.thumbW, width);
  const y = span('y', box.startY, box.thumbH, height);
  return {
    resize: width === source.width && height === source.height ? undefined : { width, height },
    extract: { left: x.start, top: y.start, width: x.length, height: y.length },
  };
}

/** [start, start + length) clipped to [0, size); empty is BAD_ARGUMENT. */
function span(axis: 'x' | 'y', start: number, length: number, size: number): { start: number; length: number } {
  // int32 + uint32 stays far inside a double's exact integers.
  const from = Math.max(start, 0);
  const to = Math.min(start + length, size);
  if (to <= from) {
    const [startName, lengthName] = axis === 'x' ? ['start_x', 'thumb_w'] : ['start_y', 'thumb_h'];
    throw badArgument(
      `crop box ${startName} ${start}, ${lengthName} ${length} lies outside the picture's ${size} pixels (${axis})`,
    );
  }
  return { start: from, length: to - from };
}
