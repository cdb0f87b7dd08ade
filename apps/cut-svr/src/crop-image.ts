import sharp, { type Metadata, type Sharp } from 'sharp';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';
import { planCrop, type CropBox, type CropLimits, type CropPlan } from './crop-geometry.js';

/*
 * The picture work of cmd 3005, with sharp (libvips). It runs on a libuv worker thread and in
 * libvips' own threads, never on the event loop: the other connections are served meanwhile.
 *
 *   - Formats: JPEG, PNG, GIF and WebP in, the same format out. Anything else (SVG, TIFF, HEIF,
 *     AVIF, PDF...) is BAD_IMAGE: a picture site stores these four, and fewer decoders read
 *     untrusted bytes.
 *   - Orientation: a still picture's EXIF orientation is applied first (the box was chosen on
 *     the picture as a browser shows it, upright); the output is upright and carries no EXIF.
 *   - Animation: every frame of an animated GIF or WebP is scaled and cut the same way, and
 *     the output keeps the frames, their delays and the loop count.
 *   - Limits: a source over maxInputPixels (all frames together), checked from its header
 *     before anything is decoded, is BAD_IMAGE; a scale to more pixels is BAD_ARGUMENT
 *     (crop-geometry.ts); a job running past timeoutSeconds is BAD_IMAGE.
 */

export type PictureFormat = 'jpeg' | 'png' | 'gif' | 'webp';

/** The extensions each format may carry; the first is the one given to a file with another. */
export const FORMAT_EXTENSIONS: Readonly<Record<PictureFormat, readonly string[]>> = {
  jpeg: ['jpg', 'jpeg', 'jpe'],
  png: ['png'],
  gif: ['gif'],
  webp: ['webp'],
};

export interface CropImageOptions extends CropLimits {
  /** Pixels (width × height × frames) a source may declare; more is BAD_IMAGE before decoding. */
  maxInputPixels: number;
  /** libvips gives up on a job after this long. */
  timeoutSeconds: number;
  /** 1-100. */
  jpegQuality: number;
  /** 1-100. */
  webpQuality: number;
}

export interface CroppedPicture {
  data: Buffer;
  format: PictureFormat;
  width: number;
  height: number;
  /** Frames; 1 for a still picture. */
  pages: number;
}

/**
 * Each sharp job runs on a libuv worker thread: UV_THREADPOOL_SIZE of them (default 4), read
 * when the process starts (an ES module's own loading starts the pool, so setting it from code is
 * too late: set it in the environment).
 */
export function libuvPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const size = Number(env.UV_THREADPOOL_SIZE);
  return Number.isInteger(size) && size > 0 ? Math.min(size, 1024) : 4;
}

/**
 * libvips threads per image. At most min(cropConcurrency, pool size) images are computed at once;
 * the cores are divided among them (one thread each when there are more images than cores). The
 * operation cache is off: no two crops share an input, so it would only hold memory.
 */
export function configureImageThreads(cpuCount: number, cropConcurrency: number, poolSize: number): number {
  const jobs = Math.min(cropConcurrency, poolSize);
  const threads = Math.max(1, Math.floor(cpuCount / jobs));
  sharp.concurrency(threads);
  sharp.cache(false);
  return threads;
}

/** Scales and cuts `source` as `box` says (see crop-geometry.ts), in the source's format. */
export async function cropImage(source: Buffer, box: CropBox, options: CropImageOptions): Promise<CroppedPicture> {
  const image = sharp(source, { limitInputPixels: options.maxInputPixels, animated: true, failOn: 'error' });
  const metadata = await image.metadata().catch((err: unknown) => {
    throw badImage('cannot read the source as a picture', err);
  });
  const format = pictureFormat(metadata);
  const pages = metadata.pages ?? 1;
  const animated = pages > 1;
  const upright = !animated && (metadata.orientation ?? 1) > 1;
  const frameHeight = animated ? (metadata.pageHeight ?? metadata.height) : metadata.height;
  if (metadata.width * frameHeight * pages > options.maxInputPixels) {
    throw badImage(
      `source ${metadata.width}x${frameHeight} x ${pages} frames is over ${options.maxInputPixels} pixels`,
    );
  }
  const size = upright
    ? { width: metadata.autoOrient.width, height: metadata.autoOrient.height, pages }
    : { width: metadata.width, height: frameHeight, pages };
  const plan = planCrop(box, size, options);
  if (upright) image.autoOrient();
  applyPlan(image, plan);
  encodeAs(image, format, options);
  image.timeout({ seconds: options.timeoutSeconds });
  try {
    const { data, info } = await image.toBuffer({ resolveWithObject: true });
    const outPages = info.pages ?? 1;
    return { data, format, width: info.width, height: outPages > 1 ? (info.pageHeight ?? 0) : info.height, pages };
  } catch (err) {
    throw badImage('cannot crop the source', err);
  }
}

function pictureFormat(metadata: Metadata): PictureFormat {
  const format = metadata.format as string;
  if (format === 'jpeg' || format === 'png' || format === 'gif' || format === 'webp') return format;
  throw badImage(`source format ${format} is not JPEG, PNG, GIF or WebP`);
}

function applyPlan(image: Sharp, plan: CropPlan): void {
  if (plan.resize !== undefined) image.resize({ ...plan.resize, fit: 'fill' });
  // After resize, so the box is cut from the scaled picture (sharp orders them so).
  image.extract(plan.extract);
}

function encodeAs(image: Sharp, format: PictureFormat, options: CropImageOptions): void {
  switch (format) {
    case 'jpeg':
      image.jpeg({ quality: options.jpegQuality });
      break;
    case 'png':
      image.png();
      break;
    case 'gif':
      image.gif();
      break;
    case 'webp':
      image.webp({ quality: options.webpQuality });
      break;
  }
}

/** The extension of the stored result: the source's own when it names the format, else the format's. */
export function extensionFor(format: PictureFormat, sourceExt: string): string {
  const allowed = FORMAT_EXTENSIONS[format];
  return allowed.includes(sourceExt.toLowerCase()) ? sourceExt : (allowed[0] as string);
}

function badImage(message: string, cause?: unknown): ResultError {
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  return new ResultError(ResultCode.BAD_IMAGE, `${message}${reason}`, { cause });
}
