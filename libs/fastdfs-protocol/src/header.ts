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
  const buf = Buffer.allocUnsafe(HEADER_SIZE);
  buf.writeBigInt64BE(BigInt(bodyLength), 0);
  buf.writeUInt8(cmd, 8);
  buf.writeUInt8(status, 9);
  return buf;
}

/** Reads a header; a negative or absurd length is a ProtocolError (`fdfs_recv_header_ex` rejects < 0). */
export function decodeHeader(buf: Buffer, offset = 0): Header {
  if (buf.length - offset < HEADER_SIZE) throw new ProtocolError(`header needs ${HEADER_SIZE} bytes`);
  const length = buf.readBigInt64BE(offset);
  if (length < 0n || length > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ProtocolError(`header: invalid body length ${length}`);
  }
  return { bodyLength: Number(length), cmd: buf.readUInt8(offset + 8), status: buf.readUInt8(offset + 9) };
}

/** The FastDFS frame as a FrameReader format (@pic-storage/framing): 10-byte header, length first. */
export const FRAME_FORMAT = Object.freeze({
  headerSize: HEADER_SIZE,
  decodeHeader: (buf: Buffer): Header => decodeHeader(buf),
  bodyLength: (header: Header): number => header.bodyLength,
});
