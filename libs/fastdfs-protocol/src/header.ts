import { ProtocolError } from './errors.js';
import { HEADER_SIZE } from './constants.js';

/**
 * Packet header, 10 bytes (tracker/tracker_proto.h 138-143):
 *   0  int64  pkg_len  body length, header excluded
 *   8  uint8  cmd      request code; every response carries 100
 *   9  uint8  status   0 in requests (flags for QUERY_FILE_INFO); errno in responses
 */
export interface Header {
  bodyLength: number;
  cmd: number;
  status: number;
}

export function encodeHeader(bodyLength: number, cmd: number, status = 0): Buffer {
  return writeHeader(Buffer.allocUnsafe(HEADER_SIZE), 0, bodyLength, cmd, status);
}

/**
 * Writes a header into `buf` at `offset` (a request's header and body then go out as one buffer).
 * A safe integer length is written as two 32-bit words, no BigInt: this runs once per request.
 * (Negative lengths are written too, two's complement: tests play hostile peers with them.)
 */
export function writeHeader(buf: Buffer, offset: number, bodyLength: number, cmd: number, status = 0): Buffer {
  if (Number.isSafeInteger(bodyLength)) {
    const high = Math.floor(bodyLength / 2 ** 32);
    buf.writeInt32BE(high, offset);
    buf.writeUInt32BE(bodyLength - high * 2 ** 32, offset + 4);
  } else {
    buf.writeBigInt64BE(BigInt(bodyLength), offset);
  }
  buf.writeUInt8(cmd, offset + 8);
  buf.writeUInt8(status, offset + 9);
  return buf;
}

/** Reads a header; a negative or absurd length is a ProtocolError (`fdfs_recv_header_ex` rejects < 0). */
export function decodeHeader(buf: Buffer, offset = 0): Header {
  if (buf.length - offset < HEADER_SIZE) throw new ProtocolError(`header needs ${HEADER_SIZE} bytes`);
  // int64 BE as a signed high word and an unsigned low word: safe integers have a high word < 2^21.
  const high = buf.readInt32BE(offset);
  if (high < 0 || high >= 2 ** 21) {
    throw new ProtocolError(`header: invalid body length ${buf.readBigInt64BE(offset)}`);
  }
  const bodyLength = high * 2 ** 32 + buf.readUInt32BE(offset + 4);
  return { bodyLength, cmd: buf.readUInt8(offset + 8), status: buf.readUInt8(offset + 9) };
}

/** The FastDFS frame as a FrameReader format (@pic-storage/framing): 10-byte header, length first. */
export const FRAME_FORMAT = Object.freeze({
  headerSize: HEADER_SIZE,
  decodeHeader: (buf: Buffer, at: number): Header => decodeHeader(buf, at),
  bodyLength: (header: Header): number => header.bodyLength,
});
