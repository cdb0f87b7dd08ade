/**
 * Pictures made at test time with sharp: quadrant pictures whose every region has a known
 * colour (so a crop's content can be checked by decoding it), animations, EXIF-rotated JPEGs,
 * and a PNG decompression bomb. Nothing here is stored in the repository.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export type TestFormat = 'jpeg' | 'png' | 'gif' | 'webp';
export type Rgb = readonly [number, number, number];

/** The colours of a quadrant picture: top left, top right, bottom left, bottom right. */
export const QUADRANTS = {
  topLeft: [255, 0, 0],
  topRight: [0, 255, 0],
  bottomLeft: [0, 0, 255],
  bottomRight: [255, 255, 0],
} as const satisfies Record<string, Rgb>;

/** Raw RGB pixels of a width × height picture in four solid quadrants (the split at width/2, height/2). */
export function quadrantPixels(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = quadrantAt(x, y, width, height);
      pixels.set(colour, (y * width + x) * 3);
    }
  }
  return pixels;
}

export function quadrantAt(x: number, y: number, width: number, height: number): Rgb {
  const top = y < height / 2;
  const left = x < width / 2;
  if (top) return left ? QUADRANTS.topLeft : QUADRANTS.topRight;
  return left ? QUADRANTS.bottomLeft : QUADRANTS.bottomRight;
}

/** A quadrant picture encoded as `format` (JPEG and WebP at quality 95). */
export async function quadrantPicture(format: TestFormat, width: number, height: number): Promise<Buffer> {
  return encode(sharp(quadrantPixels(width, height), { raw: { width, height, channels: 3 } }), format);
}

/**
 * A quadrant JPEG stored sideways with the EXIF orientation that shows it upright: the stored
 * pixels are the upright picture rotated by the inverse of `orientation` (6: stored rotated 90°
 * anticlockwise, shown after a 90° clockwise turn). Upright it is width × height.
 */
export async function orientedJpeg(width: number, height: number, orientation: 6 | 8 | 3): Promise<Buffer> {
  const undo = { 6: 270, 8: 90, 3: 180 }[orientation];
  const stored = await sharp(quadrantPixels(width, height), { raw: { width, height, channels: 3 } })
    .rotate(undo)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(stored.data, { raw: { width: stored.info.width, height: stored.info.height, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation })
    .toBuffer();
}

/** An animated GIF or WebP: one solid frame per colour, 100 ms each, looping forever. */
export async function animatedPicture(
  format: 'gif' | 'webp',
  width: number,
  height: number,
  colours: readonly Rgb[],
): Promise<Buffer> {
  const frames = colours.map((colour) => {
    const frame = Buffer.alloc(width * height * 3);
    for (let i = 0; i < width * height; i++) frame.set(colour, i * 3);
    return frame;
  });
  const raw = { width, height: height * colours.length, channels: 3 as const, pageHeight: height };
  const image = sharp(Buffer.concat(frames), { raw });
  const animation = { loop: 0, delay: colours.map(() => 100) };
  return format === 'gif' ? image.gif(animation).toBuffer() : image.webp({ ...animation, lossless: true }).toBuffer();
}

/**
 * A valid PNG that declares width × height pixels (1-bit grey, all black): a few hundred KB on
 * disk, width × height bytes once decoded. 30000 × 30000 is 900 MB decoded from ~110 KB.
 */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(1, 8); // bit depth
  ihdr.writeUInt8(0, 9); // colour type: grey
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte + packed pixels
  const idat = deflateSync(Buffer.alloc(rowBytes * height), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export interface DecodedPicture {
  format: string;
  width: number;
  /** One frame's height. */
  height: number;
  pages: number;
  /** RGB, every frame one after the other. */
  pixels: Buffer;
}

/** Decodes any picture sharp reads into RGB pixels (alpha dropped), every frame. */
export async function decodePicture(data: Buffer): Promise<DecodedPicture> {
  const image = sharp(data, { animated: true });
  const metadata = await image.metadata();
  const { data: pixels, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const pages = metadata.pages ?? 1;
  return {
    format: metadata.format,
    width: info.width,
    height: pages > 1 ? (metadata.pageHeight ?? info.height) : info.height,
    pages,
    pixels,
  };
}

/** The colour of pixel (x, y) of frame `page`. */
export function pixelAt(picture: DecodedPicture, x: number, y: number, page = 0): Rgb {
  const at = ((page * picture.height + y) * picture.width + x) * 3;
  return [picture.pixels[at] as number, picture.pixels[at + 1] as number, picture.pixels[at + 2] as number];
}

/** The largest difference of any channel of any pixel between two equally sized RGB buffers. */
export function maxChannelDifference(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`pixel buffers differ in size: ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** The mean difference per channel value between two equally sized RGB buffers. */
export function meanChannelDifference(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`pixel buffers differ in size: ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return a.length === 0 ? 0 : sum / a.length;
}

function encode(image: sharp.Sharp, format: TestFormat): Promise<Buffer> {
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality: 95 }).toBuffer();
    case 'png':
      return image.png().toBuffer();
    case 'gif':
      return image.gif().toBuffer();
    case 'webp':
      return image.webp({ quality: 95 }).toBuffer();
  }
}
