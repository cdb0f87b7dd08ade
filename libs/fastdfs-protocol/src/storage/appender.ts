import { Decoder } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { type Command, expectEmpty } from '../command.js';
import { Cmd } from '../constants.js';

/*
 * The three appender-file commands share one shape: int64 fields, then the appender filename
 * (no group: the storage that owns the file is asked), then content where there is any.
 *
 * APPEND_FILE (24), storage_service.c 5041-5145:
 *    0 filename_len int64 | 8 file_size int64 | 16 filename | content
 * MODIFY_FILE (34), 5147-5272:
 *    0 filename_len int64 | 8 file_offset int64 | 16 file_size int64 | 24 filename | content
 * TRUNCATE_FILE (36), 5274-5452:
 *    0 filename_len int64 | 8 truncated_file_size int64 | 16 filename
 * All three answer with an empty body.
 */
export const APPEND_FIXED_SIZE = 16;
export const MODIFY_FIXED_SIZE = 24;
export const TRUNCATE_FIXED_SIZE = 16;

export interface AppendHead {
  filename: string;
  fileSize: number;
}

export interface ModifyHead {
  filename: string;
  offset: number;
  fileSize: number;
}

export interface TruncateRequest {
  filename: string;
  truncatedSize: number;
}

function encodeWithFilename(filename: string, numbers: number[]): Buffer {
  const name = Buffer.from(filename, 'latin1');
  const e = new Encoder().writeInt64(name.length);
  for (const n of numbers) e.writeInt64(n);
  return e.writeBytes(name).toBuffer();
}

export function encodeAppendHead(head: AppendHead): Buffer {
  return encodeWithFilename(head.filename, [head.fileSize]);
}

export function encodeModifyHead(head: ModifyHead): Buffer {
  return encodeWithFilename(head.filename, [head.offset, head.fileSize]);
}

export function encodeTruncateRequest(req: TruncateRequest): Buffer {
  return encodeWithFilename(req.filename, [req.truncatedSize]);
}

/** Reads the fixed int64 fields (`count` of them after filename_len). */
export function decodeAppenderFixed(buf: Buffer, count: 1 | 2): { filenameLength: number; numbers: number[] } {
  const d = new Decoder(buf, 'appender request');
  const filenameLength = d.readInt64();
  const numbers: number[] = [];
  for (let i = 0; i < count; i++) numbers.push(d.readInt64());
  return { filenameLength, numbers };
}

/** 24: appending twice appends twice, so never retried. */
export const Append: Command<AppendHead, void> = {
  cmd: Cmd.APPEND_FILE, name: 'append', idempotent: false, encode: encodeAppendHead, decode: expectEmpty('append'),
};

/** 34: the same bytes at the same offset again change nothing. */
export const Modify: Command<ModifyHead, void> = {
  cmd: Cmd.MODIFY_FILE, name: 'modify', idempotent: true, encode: encodeModifyHead, decode: expectEmpty('modify'),
};

export const Truncate: Command<TruncateRequest, void> = {
  cmd: Cmd.TRUNCATE_FILE, name: 'truncate', idempotent: true, encode: encodeTruncateRequest,
  decode: expectEmpty('truncate'),
};
