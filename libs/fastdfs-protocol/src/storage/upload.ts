import { EXT_NAME_SIZE } from '../constants.js';
import { Decoder } from '../decoder.js';
import { ProtocolError } from '../errors.js';
import { Encoder } from '../encoder.js';
import type { Command } from '../command.js';
import { Cmd } from '../constants.js';
import { decodeStoredFile, type GroupFile } from '../group-file.js';

/*
 * UPLOAD_FILE (11) and UPLOAD_APPENDER_FILE (23): storage/storage_service.c 4528-4730.
 * Request:
 *    0  store_path_index  u8 (0xFF: the storage picks)
 *    1  file_size         int64
 *    9  ext_name[6]       no dot, NUL-padded
 *   15  content           file_size bytes
 * The body length must equal 15 + file_size. Response: group[16] + remote filename (group-file.ts).
 */
export const UPLOAD_HEAD_SIZE = 1 + 8 + EXT_NAME_SIZE;

export interface UploadHead {
  storePathIndex: number;
  fileSize: number;
  ext: string;
}

export function encodeUploadHead(head: UploadHead): Buffer {
  return new Encoder()
    .writeUInt8(head.storePathIndex)
    .writeInt64(head.fileSize)
    .writeFixedString(head.ext, EXT_NAME_SIZE)
    .toBuffer();
}

/**
 * Reads the 15-byte head. Given the request's `bodyLength` (the content is still on the wire), it
 * also checks that the body is the head plus exactly `file_size` bytes.
 */
export function decodeUploadHead(buf: Buffer, bodyLength?: number): UploadHead {
  const d = new Decoder(buf, 'upload request');
  const head = { storePathIndex: d.readUInt8(), fileSize: d.readInt64(), ext: d.readFixedString(EXT_NAME_SIZE) };
  if (bodyLength !== undefined && head.fileSize !== bodyLength - UPLOAD_HEAD_SIZE) {
    throw new ProtocolError(`upload: file size ${head.fileSize} does not match the body of ${bodyLength} bytes`);
  }
  return head;
}

/** 11: a normal file; the content follows the head. */
export const Upload: Command<UploadHead, GroupFile> = {
  cmd: Cmd.UPLOAD_FILE,
  name: 'upload',
  idempotent: false,
  encode: encodeUploadHead,
  decode: decodeStoredFile('upload'),
};

/** 23: an appender file, which append, modify and truncate may change later. */
export const UploadAppender: Command<UploadHead, GroupFile> = {
  cmd: Cmd.UPLOAD_APPENDER_FILE,
  name: 'upload appender',
  idempotent: false,
  encode: encodeUploadHead,
  decode: decodeStoredFile('upload appender'),
};
