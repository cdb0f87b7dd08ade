import { FrameError, type FrameFormat } from '@pic-storage/framing';

/*
 * The 18-byte frame header, packed little-endian (the old servers wrote x86 host order):
 *
 *   0  len  uint32  whole frame length, header included (18 + body)
 *   4  cmd  uint16  command number
 *   6  id   uint32  user id, echoed
 *  10  seq  uint32  chosen by the client, echoed: responses are matched by it
 *  14  ret  uint32  0 in requests; the result code in responses
 *  18  body
 */
export const HEADER_SIZE = 18;
/** The largest frame a service accepts by default (header included). */
export const DEFAULT_MAX_FRAME_LENGTH = 1024 * 1024;

export interface FrameHeader {
  /** Whole frame length, header included. */
  readonly len: number;
  readonly cmd: number;
  readonly id: number;
  readonly seq: number;
  readonly ret: number;
}

export function encodeHeader(header: FrameHeader, into: Buffer = Buffer.allocUnsafe(HEADER_SIZE), at = 0): Buffer {
  into.writeUInt32LE(header.len, at);
  into.writeUInt16LE(header.cmd, at + 4);
  into.writeUInt32LE(header.id, at + 6);
  into.writeUInt32LE(header.seq, at + 10);
  into.writeUInt32LE(header.ret, at + 14);
  return into;
}

/** Reads a header; a `len` under 18 cannot be framed (FrameError 'limit'). */
export function decodeHeader(buf: Buffer, at = 0): FrameHeader {
  const len = buf.readUInt32LE(at);
  if (len < HEADER_SIZE) throw new FrameError('limit', `frame length ${len} is under the ${HEADER_SIZE}-byte header`);
  return {
    len,
    cmd: buf.readUInt16LE(at + 4),
    id: buf.readUInt32LE(at + 6),
    seq: buf.readUInt32LE(at + 10),
    ret: buf.readUInt32LE(at + 14),
  };
}

/** The header as the shared FrameReader sees it. */
export const FRAME_FORMAT: FrameFormat<FrameHeader> = {
  headerSize: HEADER_SIZE,
  decodeHeader,
  bodyLength: (header) => header.len - HEADER_SIZE,
};

/** The body limit a FrameReader needs for frames of at most `maxFrameLength` bytes. */
export function maxBodyFor(maxFrameLength: number): number {
  return maxFrameLength - HEADER_SIZE;
}
