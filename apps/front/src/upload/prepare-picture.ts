import type { Metadata, Sharp } from 'sharp';
import type { LimitMode } from '../conf.js';
import { plainHeader } from './picture-header.js';
import type { PictureType } from './picture-type.js';
import { structureProblem } from './picture-structure.js';
import { UploadError } from './upload-errors.js';

/*
 * The picture checks of upload.cgi, with sharp (libvips, on libuv worker threads, off the event
 * loop). In this order:
 *
 *   1. The header only (no pixel is decoded; read in JS for a plain one-frame JPEG, PNG or WebP,
 *      picture-header.ts, else by libvips): the format must be the one sniffed, and width ×
 *      height × frames must be within maxInputPixels, else 413. A PNG that declares 50000 × 50000
 *      is refused here, before anything is allocated for its pixels.
 *   2. The session's box (widthLimit × heightLimit, 0 = no limit on that side), against the
 *      picture as shown: a JPEG's EXIF orientation applied (a 600 × 800 JPEG tagged "rotate 90°"
 *      is 800 × 600 on screen). Animated GIF/WebP: one frame's size.
 *   3. Within the box: the file's structure proves it whole (picture-structure.ts: no pixel is
 *      decoded); the stored bytes are the uploaded bytes, unchanged, EXIF included.
 *      Over the box: 'reject' → 413; 'fit' → scaled down to fit inside the box (aspect kept,
 *      never enlarged), upright (orientation applied, no EXIF kept), same format, every frame of
 *      an animation with its delays and loop count.
 *   A file that does not decode (truncated, corrupt) is 415 at whichever step meets it.
 */

export interface PictureLimits {
  /** Pixels the header may declare, all frames together. */
  maxInputPixels: number;
  /** 0: none. */
  widthLimit: number;
  /** 0: none. */
  heightLimit: number;
  limitMode: LimitMode;
  /** libvips gives up on a scale that runs longer. */
  timeoutSeconds: number;
}

export interface PreparedPicture {
  /** What to store: the upload itself, or its scaled copy. */
  data: Buffer;
  /** As shown (orientation applied); one frame's size for an animation. */
  width: number;
  height: number;
  pages: number;
  resized: boolean;
}

/** sharp's name of each format. */
const SHARP_FORMAT: Record<PictureType, string> = { jpg: 'jpeg', png: 'png', gif: 'gif', webp: 'webp' };

/** JPEG and lossy WebP output quality of a scaled picture. */
const OUTPUT_QUALITY = 90;

/** The sharp function: sharp(input, options) opens a picture. */
type SharpFactory = typeof import('sharp');

let loaded: Promise<SharpFactory> | undefined;

/**
 * sharp, loaded at the first picture that needs libvips (an EXIF block, an animation, GIF, a
 * scale), not at start: libvips takes ~20 MB of RSS once loaded, and a front whose uploads are
 * all plain (picture-header.ts) or that serves downloads only never needs it. A sharp that cannot
 * be loaded fails that upload as an internal error (500, logged), not as the picture's fault.
 *
 * Its settings for upload.cgi, once: the operation cache off: no two uploads share an input, so it
 * would only hold memory (up to 50 MB) and serialise every call on its lock. One thread per image:
 * several uploads are scaled at once on the libuv pool, which keeps the cores busy without
 * oversubscribing them.
 */
function loadSharp(): Promise<SharpFactory> {
  loaded ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  });
  return loaded;
}

/** What the checks need of the header: sharp's Metadata, or the plain size read in JS. */
type Header = Pick<Metadata, 'width' | 'height' | 'pages' | 'pageHeight' | 'orientation' | 'autoOrient'> &
  Partial<Pick<Metadata, 'loop' | 'delay'>>;

export async function preparePicture(
  bytes: Buffer,
  type: PictureType,
  limits: PictureLimits,
): Promise<PreparedPicture> {
  const plain = plainHeader(bytes, type);
  const header: Header =
    plain === undefined ? await readHeader(bytes, type) : { ...plain, autoOrient: plain, pages: 1 };
  const pages = header.pages ?? 1;
  const frameHeight = pages > 1 ? (header.pageHeight ?? Math.floor(header.height / pages)) : header.height;
  const pixels = header.width * frameHeight * pages;
  if (pixels > limits.maxInputPixels) {
    const frames = pages > 1 ? ` × ${pages} frames` : '';
    throw new UploadError(
      'tooManyPixels',
      `the picture declares ${header.width}x${frameHeight}${frames} = ${pixels} pixels, ` +
        `more than the ${limits.maxInputPixels} this server decodes`,
    );
  }
  const upright = pages === 1 && (header.orientation ?? 1) > 1;
  const shown = upright ? header.autoOrient : { width: header.width, height: frameHeight };
  const over =
    (limits.widthLimit > 0 && shown.width > limits.widthLimit) ||
    (limits.heightLimit > 0 && shown.height > limits.heightLimit);

  if (!over) {
    const problem = structureProblem(bytes, type);
    if (problem !== undefined) throw new UploadError('undecodable', `the ${type} picture is not whole: ${problem}`);
    return { data: bytes, width: shown.width, height: shown.height, pages, resized: false };
  }
  if (limits.limitMode === 'reject') {
    throw new UploadError(
      'overSessionLimits',
      `the picture is ${shown.width}x${shown.height}; this upload allows at most ` +
        `${describeBox(limits.widthLimit, limits.heightLimit)} (weight_limit x height_limit of the session key)`,
    );
  }
  return fit(bytes, type, header, upright, limits);
}

async function readHeader(bytes: Buffer, type: PictureType): Promise<Metadata> {
  const sharp = await loadSharp();
  let header: Metadata;
  try {
    // limitInputPixels off: only the header is read here, and the pixel count is checked by the
    // caller against all frames together (sharp's own check counts one frame).
    header = await sharp(bytes, { animated: true, limitInputPixels: false }).metadata();
  } catch (err) {
    throw undecodable(type, err);
  }
  if (header.format !== SHARP_FORMAT[type]) {
    throw new UploadError('undecodable', `the file starts as ${type} but does not decode as one`);
  }
  return header;
}

async function fit(
  bytes: Buffer,
  type: PictureType,
  header: Header,
  upright: boolean,
  limits: PictureLimits,
): Promise<PreparedPicture> {
  const image = open(await loadSharp(), bytes, limits);
  if (upright) image.autoOrient();
  image
    .resize({
      width: limits.widthLimit > 0 ? limits.widthLimit : undefined,
      height: limits.heightLimit > 0 ? limits.heightLimit : undefined,
      fit: 'inside',
      withoutEnlargement: true,
    })
    .timeout({ seconds: limits.timeoutSeconds });
  encodeAs(image, type, header);
  try {
    const { data, info } = await image.toBuffer({ resolveWithObject: true });
    const pages = info.pages ?? 1;
    const height = pages > 1 ? (info.pageHeight ?? info.height / pages) : info.height;
    return { data, width: info.width, height, pages, resized: true };
  } catch (err) {
    throw undecodable(type, err);
  }
}

function open(sharp: SharpFactory, bytes: Buffer, limits: PictureLimits): Sharp {
  // failOn 'error': a truncated or corrupt file fails; a mere warning (odd padding) does not.
  return sharp(bytes, { animated: true, limitInputPixels: limits.maxInputPixels, failOn: 'error' });
}

function encodeAs(image: Sharp, type: PictureType, header: Header): void {
  // An animation keeps its own timing; sharp would also carry it over, this says so.
  const animation = (header.pages ?? 1) > 1 ? { loop: header.loop ?? 0, delay: header.delay } : {};
  switch (type) {
    case 'jpg':
      image.jpeg({ quality: OUTPUT_QUALITY });
      break;
    case 'png':
      image.png();
      break;
    case 'gif':
      image.gif(animation);
      break;
    case 'webp':
      image.webp({ quality: OUTPUT_QUALITY, ...animation });
      break;
  }
}

function describeBox(width: number, height: number): string {
  if (width > 0 && height > 0) return `${width}x${height}`;
  return width > 0 ? `${width} pixels wide` : `${height} pixels high`;
}

function undecodable(type: PictureType | undefined, err: unknown): UploadError {
  const reason = err instanceof Error ? `: ${err.message}` : '';
  const what = type === undefined ? 'the picture' : `the ${type} picture`;
  return new UploadError('undecodable', `${what} cannot be decoded (truncated or corrupt?)${reason}`, { cause: err });
}
