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
 * 6.16 (so an empty file cannot be downloaded); a length past the end is clipped, however large
 * (up to 2^63-1: the storage reads both fields as int64_t and only refuses negative ones).
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

/** A length past every file: no file is 2^53 bytes, so clipping to the file gives the same bytes. */
const UNBOUNDED_LENGTH = Number.MAX_SAFE_INTEGER;

/**
 * Needs a filename after the group, and a non-negative offset and length (storage_service.c
 * 7312-7327). A length beyond 2^53 comes back as Number.MAX_SAFE_INTEGER: the storage clips it to
 * the file as it does any length past the end. An offset beyond 2^53 is past the end of every
 * file, EINVAL on the storage (7392-7403): a ProtocolError here.
 */
export function decodeDownloadRequest(body: Buffer): DownloadRequest {
  if (body.length <= DOWNLOAD_FIXED_SIZE) throw new ProtocolError(`download: body of ${body.length} bytes`);
  const d = new Decoder(body, 'download request');
  const rawOffset = d.readBigInt64();
  const rawLength = d.readBigInt64();
  if (rawOffset < 0n || rawLength < 0n) throw new ProtocolError('download: negative offset or length');
  if (rawOffset > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ProtocolError(`download: offset ${rawOffset} is past the end of any file`);
  }
  const offset = Number(rawOffset);
  const length = rawLength > BigInt(UNBOUNDED_LENGTH) ? UNBOUNDED_LENGTH : Number(rawLength);
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
