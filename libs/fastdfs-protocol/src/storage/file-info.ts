import { Decoder } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { detectIpSize, IP_SIZE_V4, type IpFieldSize } from '../ip-field.js';
import type { Command } from '../command.js';
import { Cmd, FILE_INFO_FLAG_NO_CRC32 } from '../constants.js';
import { encodeGroupFile, type GroupFile } from '../group-file.js';

/*
 * QUERY_FILE_INFO (22): client/storage_client.c 463-587, storage/storage_service.c 3576-3784.
 * Request: group[16] + filename; the header's status byte carries flags
 *   (1: do not compute CRC32, 2: keep the server log quiet; 6.15.1+).
 * Response, 40 bytes (16-byte IP) or 70 (46-byte IP):
 *    0  file_size         int64
 *    8  create_timestamp  int64 (the file's mtime)
 *   16  crc32             int64, sign-extended from a C int: masked to 32 bits here
 *   24  source_ip[16|46]
 */
export interface RemoteFileInfo {
  fileSize: number;
  createTimestamp: number;
  crc32: number;
  sourceIp: string;
}

export function encodeFileInfoResponse(info: RemoteFileInfo, ipSize: IpFieldSize = IP_SIZE_V4): Buffer {
  // The C server passes a signed int to long2buff: reproduce the sign extension.
  return new Encoder()
    .writeInt64(info.fileSize)
    .writeInt64(info.createTimestamp)
    .writeInt64(info.crc32 | 0)
    .writeFixedString(info.sourceIp, ipSize)
    .toBuffer();
}

export function decodeFileInfoResponse(body: Buffer): RemoteFileInfo {
  const ipSize = detectIpSize(body.length, (ip) => 24 + ip, 'query file info');
  const d = new Decoder(body, 'query file info response');
  const fileSize = d.readInt64();
  const createTimestamp = d.readInt64();
  const crc32 = Number(d.readBigInt64() & 0xffffffffn);
  return { fileSize, createTimestamp, crc32, sourceIp: d.readFixedString(ipSize) };
}

export interface FileInfoRequest extends GroupFile {
  /** false: flag 1, the storage skips computing the CRC32 of appender and slave files. */
  computeCrc32: boolean;
}

export const QueryFileInfo: Command<FileInfoRequest, RemoteFileInfo> = {
  cmd: Cmd.QUERY_FILE_INFO,
  name: 'query file info',
  idempotent: true,
  encode: encodeGroupFile,
  status: (req) => (req.computeCrc32 ? 0 : FILE_INFO_FLAG_NO_CRC32),
  decode: decodeFileInfoResponse,
};
