import { GROUP_NAME_SIZE } from '../constants.js';
import { Decoder } from '../decoder.js';
import { ProtocolError } from '../errors.js';
import { Encoder } from '../encoder.js';
import type { Command } from '../command.js';
import { Cmd } from '../constants.js';

/*
 * DOWNLOAD_FILE (14): client/storage_client.c 694-853, storage/storage_service.c 7259-7439.
 * Request:
 *    0  file_offset     int64
 *    8  download_bytes  int64 (0: to the end of the file)
 *   16  group[16]
 *   32  remote filename
 * Response: the bytes, body length = bytes actually sent. Offset >= file size is EINVAL on
 * 6.16 (so an empty file cannot be downloaded); a length past the end is clipped.
 */
/** offset + length + group: the filename follows. */
export const DOWNLOAD_FIXED_SIZE = 8 + 8 + GROUP_NAME_SIZE;

export interface DownloadRequest {
  offset: number;
  length: number;
  group: string;
  filename: string;
}

export function encodeDownloadRequest(req: DownloadRequest): Buffer {
  return new Encoder()
    .writeInt64(req.offset)
    .writeInt64(req.length)
    .writeFixedString(req.group, GROUP_NAME_SIZE)
    .writeBytes(req.filename)
    .toBuffer();
}

/** Needs a filename after the group, and a non-negative offset and length (storage_service.c 7290-7320). */
export function decodeDownloadRequest(body: Buffer): DownloadRequest {
  if (body.length <= DOWNLOAD_FIXED_SIZE) throw new ProtocolError(`download: body of ${body.length} bytes`);
  const d = new Decoder(body, 'download request');
  const offset = d.readInt64();
  const length = d.readInt64();
  if (offset < 0 || length < 0) throw new ProtocolError('download: negative offset or length');
  const group = d.readFixedString(GROUP_NAME_SIZE);
  return { offset, length, group, filename: d.readRest().toString('latin1') };
}

/** 14: the reply body is the file's bytes. */
export const Download: Command<DownloadRequest, Buffer> = {
  cmd: Cmd.DOWNLOAD_FILE,
  name: 'download',
  idempotent: true,
  encode: encodeDownloadRequest,
  decode: (body) => body,
};
