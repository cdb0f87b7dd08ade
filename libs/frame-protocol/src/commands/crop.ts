import { Decoder, expectLength } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { FDFS_URL_SIZE } from '../file-ref.js';

/*
 * cmd 3005, crop (cut_svr).
 * Request, 92 bytes:
 *
 *   0  hostid    uint32    storage cluster id
 *   4  fdfs_url  char[64]  file id of the source (or a URL whose path ends in one)
 *  68  clip_w    uint32    width the source was shown at when the box was chosen; 0 = its own
 *  72  clip_h    uint32    height likewise
 *  76  start_x   int32     box left, in the clip_w × clip_h space
 *  80  start_y   int32     box top
 *  84  thumb_w   uint32    box width = output width
 *  88  thumb_h   uint32    box height = output height
 *
 * Response, 68 bytes: hostid uint32, fdfs_url char[64] (the new file id).
 */
export const CROP_REQUEST_SIZE = 92;
export const CROP_RESPONSE_SIZE = 4 + FDFS_URL_SIZE;

export interface CropRequest {
  hostid: number;
  fdfsUrl: string;
  clipW: number;
  clipH: number;
  startX: number;
  startY: number;
  thumbW: number;
  thumbH: number;
}

export interface CropResponse {
  hostid: number;
  fdfsUrl: string;
}

export function encodeCropRequest(request: CropRequest): Buffer {
  return new Encoder(CROP_REQUEST_SIZE)
    .writeUInt32(request.hostid)
    .writeFixedString(request.fdfsUrl, FDFS_URL_SIZE)
    .writeUInt32(request.clipW)
    .writeUInt32(request.clipH)
    .writeInt32(request.startX)
    .writeInt32(request.startY)
    .writeUInt32(request.thumbW)
    .writeUInt32(request.thumbH)
    .toBuffer();
}

export function decodeCropRequest(body: Buffer): CropRequest {
  const what = 'crop (3005)';
  expectLength(body, CROP_REQUEST_SIZE, what);
  const decoder = new Decoder(body, what);
  const request: CropRequest = {
    hostid: decoder.readUInt32(),
    fdfsUrl: decoder.readFixedString(FDFS_URL_SIZE, 'fdfs_url'),
    clipW: decoder.readUInt32(),
    clipH: decoder.readUInt32(),
    startX: decoder.readInt32(),
    startY: decoder.readInt32(),
    thumbW: decoder.readUInt32(),
    thumbH: decoder.readUInt32(),
  };
  decoder.end();
  return request;
}

export function encodeCropResponse(response: CropResponse): Buffer {
  return new Encoder(CROP_RESPONSE_SIZE)
    .writeUInt32(response.hostid)
    .writeFixedString(response.fdfsUrl, FDFS_URL_SIZE)
    .toBuffer();
}

export function decodeCropResponse(body: Buffer): CropResponse {
  const what = 'crop (3005) response';
  expectLength(body, CROP_RESPONSE_SIZE, what);
  const decoder = new Decoder(body, what);
  const response = { hostid: decoder.readUInt32(), fdfsUrl: decoder.readFixedString(FDFS_URL_SIZE, 'fdfs_url') };
  decoder.end();
  return response;
}
