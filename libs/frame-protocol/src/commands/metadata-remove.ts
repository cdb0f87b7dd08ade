import { Decoder, expectLength } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { FDFS_URL_SIZE } from '../file-ref.js';
import type { PicInfo } from './pic-info.js';

/*
 * cmd 4002, remove a picture's row (metadata_dbsvr), named by its file: cs_del_svr sends it for
 * each file it deletes. Request, 68 bytes: one pic_info (pic-info.ts):
 *
 *   0  hostid    uint32    storage cluster id
 *   4  fdfs_url  char[64]  file id (or a URL whose path ends in one)
 *
 * Response, 4 bytes, ret 0 either way (removing is idempotent, as deletes are):
 *
 *   0  removed  uint32  1: the row was removed; 0: there was no such row
 */
export const METADATA_REMOVE_REQUEST_SIZE = 4 + FDFS_URL_SIZE;
export const METADATA_REMOVE_RESPONSE_SIZE = 4;

export function encodeMetadataRemoveRequest(pic: PicInfo): Buffer {
  return new Encoder(METADATA_REMOVE_REQUEST_SIZE)
    .writeUInt32(pic.hostid)
    .writeFixedString(pic.url, FDFS_URL_SIZE)
    .toBuffer();
}

export function decodeMetadataRemoveRequest(body: Buffer): PicInfo {
  const what = 'metadata remove (4002)';
  expectLength(body, METADATA_REMOVE_REQUEST_SIZE, what);
  const decoder = new Decoder(body, what);
  const pic = { hostid: decoder.readUInt32(), url: decoder.readFixedString(FDFS_URL_SIZE, 'fdfs_url') };
  decoder.end();
  return pic;
}

export function encodeMetadataRemoveResponse(removed: boolean): Buffer {
  return new Encoder(METADATA_REMOVE_RESPONSE_SIZE).writeUInt32(removed ? 1 : 0).toBuffer();
}

/** True when a row was removed. */
export function decodeMetadataRemoveResponse(body: Buffer): boolean {
  const what = 'metadata remove (4002) response';
  expectLength(body, METADATA_REMOVE_RESPONSE_SIZE, what);
  return new Decoder(body, what).readUInt32() !== 0;
}
