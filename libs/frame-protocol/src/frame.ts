import { HEADER_SIZE, encodeHeader } from './header.js';

export interface FrameFields {
  cmd: number;
  id: number;
  seq: number;
  /** 0 in requests. */
  ret?: number;
}

const EMPTY = Buffer.alloc(0);

/** One frame, header and body in one buffer (one socket write). */
export function encodeFrame(fields: FrameFields, body: Buffer = EMPTY): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_SIZE + body.length);
  encodeHeader({ len: frame.length, cmd: fields.cmd, id: fields.id, seq: fields.seq, ret: fields.ret ?? 0 }, frame);
  body.copy(frame, HEADER_SIZE);
  return frame;
}
