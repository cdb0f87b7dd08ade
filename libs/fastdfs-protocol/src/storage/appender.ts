import { Decoder } from '../decoder.js';
import { ProtocolError } from '../errors.js';
import { MAX_FILENAME_LENGTH, NORMAL_FILENAME_LENGTH } from '../file-id.js';
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

/**
 * Reads the fixed int64 fields of 24 and 34 (`count` of them after filename_len); the filename and
 * the content follow. Given the request's `bodyLength`, it also checks the name length (44..127,
 * storage_service.c 5072-5080), a non-negative offset, and that the body is the fixed part, the
 * name and exactly `file_size` bytes.
 */
export function decodeAppenderFixed(
  buf: Buffer,
  count: 1 | 2,
  bodyLength?: number,
): { filenameLength: number; numbers: number[] } {
  const d = new Decoder(buf, 'appender request');
  const filenameLength = d.readInt64();
  const numbers: number[] = [];
  for (let i = 0; i < count; i++) numbers.push(d.readInt64());
  if (bodyLength === undefined) return { filenameLength, numbers };
  checkAppenderName(filenameLength);
  const fileSize = numbers[count - 1] as number;
  if (count === 2 && (numbers[0] as number) < 0) throw new ProtocolError(`appender request: offset ${numbers[0]}`);
  if (fileSize < 0 || fileSize !== bodyLength - buf.length - filenameLength) {
    throw new ProtocolError(`appender request: file size ${fileSize} does not match the body of ${bodyLength} bytes`);
  }
  return { filenameLength, numbers };
}

/** 36's whole request: name length 44..127, size >= 0, and the name fills the rest (storage_service.c 5297-5330). */
export function decodeTruncateRequest(body: Buffer): TruncateRequest {
  if (body.length <= TRUNCATE_FIXED_SIZE) throw new ProtocolError(`truncate: body of ${body.length} bytes`);
  const d = new Decoder(body, 'truncate request');
  const filenameLength = d.readInt64();
  const truncatedSize = d.readInt64();
  checkAppenderName(filenameLength);
  if (truncatedSize < 0) throw new ProtocolError(`truncate: size ${truncatedSize}`);
  if (d.remaining !== filenameLength)
    throw new ProtocolError('truncate: body length does not match the filename length');
  return { filename: d.readRest().toString('latin1'), truncatedSize };
}

/** An appender's name is a normal one: at least 44 characters, and it fits `char[128]`. */
function checkAppenderName(length: number): void {
  if (length < NORMAL_FILENAME_LENGTH || length > MAX_FILENAME_LENGTH) {
    throw new ProtocolError(`appender request: filename length ${length}`);
  }
}

/** 24: appending twice appends twice, so never retried. */
export const Append: Command<AppendHead, void> = {
  cmd: Cmd.APPEND_FILE,
  name: 'append',
  idempotent: false,
  encode: encodeAppendHead,
  decode: expectEmpty('append'),
};

/** 34: the same bytes at the same offset again change nothing. */
export const Modify: Command<ModifyHead, void> = {
  cmd: Cmd.MODIFY_FILE,
  name: 'modify',
  idempotent: true,
  encode: encodeModifyHead,
  decode: expectEmpty('modify'),
};

export const Truncate: Command<TruncateRequest, void> = {
  cmd: Cmd.TRUNCATE_FILE,
  name: 'truncate',
  idempotent: true,
  encode: encodeTruncateRequest,
  decode: expectEmpty('truncate'),
};
