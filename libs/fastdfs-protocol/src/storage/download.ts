import { GROUP_NAME_SIZE } from '../constants.js';
import { Decoder } from '../decoder.js';
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

export function decodeDownloadRequest(body: Buffer): DownloadRequest {
  const d = new Decoder(body, 'download request');
  const offset = d.readInt64();
  const length = d.readInt64();
  const group = d.readFixedString(GROUP_NAME_SIZE);
  return { offset, length, group, filename: d.readRest().toString('latin1') };
}

/** 14: the reply body is the file's bytes. */
export const Download: Command<DownloadRequest, Buffer> = {
  cmd: Cmd.DOWNLOAD_FILE, name: 'download', idempotent: true, encode: encodeDownloadRequest, decode: (body) => body,
};
