import { crc32 } from 'node:zlib';
import type { PictureType } from './picture-type.js';

/*
 * Is the file whole? A check of each format's structure, not of its pixels: decoding every pixel of
 * an 800 x 600 JPEG to prove it intact costs ~30 ms of CPU (most of an upload), this costs
 * microseconds and catches what a browser or a network does to a file: a cut-off end, a chunk
 * garbled in a PNG. Bytes garbled inside a JPEG's or GIF's image data pass (the legacy CGI stored
 * whatever came); the header checks (format, pixel count) have run before, and a picture that
 * must be scaled is decoded whole anyway.
 *
 *   JPEG  ends with the EOI marker FF D9 (trailing NUL/whitespace padding allowed)
 *   PNG   8-byte signature, then chunks: length uint32 BE, type[4], data, CRC-32 of type+data;
 *         every CRC right, IEND last
 *   GIF   ends with the trailer 0x3B (trailing padding allowed)
 *   WebP  "RIFF" size uint32 LE "WEBP": the file holds the size + 8 bytes the RIFF header says
 */

/** Bytes of padding some encoders and uploaders leave after a JPEG's EOI or a GIF's trailer. */
const MAX_PADDING = 64;

/** Why `bytes` is not a whole `type` file, or undefined when it is. */
export function structureProblem(bytes: Buffer, type: PictureType): string | undefined {
  switch (type) {
    case 'jpg':
      return endsWith(bytes, [0xff, 0xd9]) ? undefined : 'no end-of-image marker (FF D9): the JPEG is cut off';
    case 'gif':
      return endsWith(bytes, [0x3b]) ? undefined : 'no trailer (3B): the GIF is cut off';
    case 'png':
      return pngProblem(bytes);
    case 'webp':
      return webpProblem(bytes);
  }
}

function endsWith(bytes: Buffer, marker: readonly number[]): boolean {
  let end = bytes.length;
  const floor = Math.max(0, end - MAX_PADDING);
  while (end > floor && isPadding(bytes[end - 1] as number)) end--;
  if (end < marker.length) return false;
  return marker.every((byte, i) => bytes[end - marker.length + i] === byte);
}

function isPadding(byte: number): boolean {
  return byte === 0x00 || byte === 0x0a || byte === 0x0d || byte === 0x20;
}

function pngProblem(bytes: Buffer): string | undefined {
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) return `chunk at ${at} runs past the end: the PNG is cut off`;
    const typeAndData = bytes.subarray(at + 4, at + 8 + length);
    if (crc32(typeAndData) !== bytes.readUInt32BE(at + 8 + length)) {
      return `chunk ${typeAndData.toString('latin1', 0, 4)} at ${at} has a wrong CRC: the PNG is damaged`;
    }
    if (typeAndData.toString('latin1', 0, 4) === 'IEND') return undefined;
    at = end;
  }
  return 'no IEND chunk: the PNG is cut off';
}

function webpProblem(bytes: Buffer): string | undefined {
  if (bytes.length < 12) return 'shorter than its RIFF header';
  const declared = bytes.readUInt32LE(4) + 8;
  return bytes.length >= declared
    ? undefined
    : `RIFF declares ${declared} bytes, the file has ${bytes.length}: cut off`;
}
