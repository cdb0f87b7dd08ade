import type { PictureType } from './picture-type.js';

/*
 * A picture's size read from its header in JS, for the common case of upload.cgi: one frame shown
 * as stored. libvips reads the same header in ~0.3 ms of a worker thread plus the call's own cost
 * on the event loop (a quarter of an upload's main-thread time); this reads a few bytes. Whatever
 * it is not sure of it leaves to libvips (undefined): an EXIF block (the orientation may turn the
 * picture), an animation (frames to count), GIF, extended WebP, anything malformed.
 *
 *   JPEG  segments FF xx [length uint16 BE, incl. itself]; SOFn (C0-CF but C4, C8, CC):
 *         precision u8, height u16 BE, width u16 BE. Stop at SOS (DA) or APP1 "Exif".
 *   PNG   signature, IHDR first: length 13, "IHDR", width u32 BE, height u32 BE; the chunks before
 *         IDAT hold no acTL (APNG) and no eXIf.
 *   WebP  "RIFF" size "WEBP", then "VP8 " (lossy: at 23 the start code 9D 01 2A, width and height
 *         u16 LE, 14 bits each) or "VP8L" (lossless: at 20 the signature 2F, then width-1 and
 *         height-1 in 14 bits each, LE).
 */

export interface PlainHeader {
  width: number;
  height: number;
}

/** The size of a one-frame, upright picture, or undefined when libvips must say. */
export function plainHeader(bytes: Buffer, type: PictureType): PlainHeader | undefined {
  switch (type) {
    case 'jpg':
      return jpegHeader(bytes);
    case 'png':
      return pngHeader(bytes);
    case 'webp':
      return webpHeader(bytes);
    case 'gif':
      return undefined;
  }
}

function sized(width: number, height: number): PlainHeader | undefined {
  return width > 0 && height > 0 ? { width, height } : undefined;
}

function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegHeader(bytes: Buffer): PlainHeader | undefined {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // no length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data or the end, and no frame
    const length = bytes.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) return undefined;
    if (marker === 0xe1 && bytes.toString('latin1', at + 4, at + 8) === 'Exif') return undefined;
    if (isStartOfFrame(marker)) {
      if (length < 7) return undefined;
      return sized(bytes.readUInt16BE(at + 7), bytes.readUInt16BE(at + 5));
    }
    at += 2 + length;
  }
  return undefined;
}

function pngHeader(bytes: Buffer): PlainHeader | undefined {
  if (bytes.length < 33 || bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') {
    return undefined;
  }
  let at = 33;
  while (at + 8 <= bytes.length) {
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') return sized(bytes.readUInt32BE(16), bytes.readUInt32BE(20));
    if (type === 'acTL' || type === 'eXIf') return undefined;
    at += 12 + bytes.readUInt32BE(at);
  }
  return undefined;
}

function webpHeader(bytes: Buffer): PlainHeader | undefined {
  if (bytes.length < 30) return undefined;
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return undefined;
    return sized(bytes.readUInt16LE(26) & 0x3fff, bytes.readUInt16LE(28) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) return undefined;
    const bits = bytes.readUInt32LE(21);
    return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  return undefined;
}
