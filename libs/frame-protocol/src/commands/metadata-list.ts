import { Decoder, expectLength } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { badArgument, badBody } from '../result-error.js';
import { PICTURE_RECORD_SIZE, readPictureRecord, writePictureRecord, type PictureRecord } from './metadata-register.js';

/*
 * cmd 4003, list a user's pictures (metadata_dbsvr), newest first, a page at a time.
 * Request, 16 bytes:
 *
 *    0  uid             uint32  owner
 *    4  albumid         uint32  one album; 0xFFFFFFFF (ALL_ALBUMS) = every album of the user
 *    8  before_photoid  uint32  only rows with a smaller photoid; 0 = from the newest
 *   12  limit           uint32  rows wanted, 1..100 (MAX_LIST_LIMIT); else BAD_ARGUMENT
 *
 * Response, 8 + 232·count bytes, photoid descending:
 *
 *    0  count        uint32  rows in this page, ≤ limit
 *    4  next_before  uint32  before_photoid of the next page; 0 = this page is the last
 *    8  row[count]:
 *         +0  photoid  uint32
 *         +4  the 228-byte picture record of 4001 (metadata-register.ts), fdfs_url as stored
 *
 * Pages are keyed by photoid, not by an offset, so that each page costs the same however deep it
 * is, and rows added or removed meanwhile neither repeat nor skip a row of the pages to come.
 */
export const METADATA_LIST_REQUEST_SIZE = 16;
export const ALL_ALBUMS = 0xffffffff;
export const MAX_LIST_LIMIT = 100;
export const PICTURE_ROW_SIZE = 4 + PICTURE_RECORD_SIZE;

export interface MetadataListRequest {
  uid: number;
  /** ALL_ALBUMS for every album. */
  albumid: number;
  /** 0 = from the newest. */
  beforePhotoid: number;
  limit: number;
}

export interface PictureRow extends PictureRecord {
  photoid: number;
}

export interface MetadataListPage {
  rows: PictureRow[];
  /** The next page's beforePhotoid; 0 when there is none. */
  nextBefore: number;
}

export function encodeMetadataListRequest(request: MetadataListRequest): Buffer {
  return new Encoder(METADATA_LIST_REQUEST_SIZE)
    .writeUInt32(request.uid)
    .writeUInt32(request.albumid)
    .writeUInt32(request.beforePhotoid)
    .writeUInt32(request.limit)
    .toBuffer();
}

/** BAD_BODY for a body that is not 16 bytes; BAD_ARGUMENT for a limit outside 1..100. */
export function decodeMetadataListRequest(body: Buffer): MetadataListRequest {
  const what = 'metadata list (4003)';
  expectLength(body, METADATA_LIST_REQUEST_SIZE, what);
  const decoder = new Decoder(body, what);
  const request = {
    uid: decoder.readUInt32(),
    albumid: decoder.readUInt32(),
    beforePhotoid: decoder.readUInt32(),
    limit: decoder.readUInt32(),
  };
  decoder.end();
  if (request.limit < 1 || request.limit > MAX_LIST_LIMIT) {
    throw badArgument(`${what}: limit ${request.limit} not in 1..${MAX_LIST_LIMIT}`);
  }
  return request;
}

export function encodeMetadataListResponse(page: MetadataListPage): Buffer {
  const encoder = new Encoder(8 + PICTURE_ROW_SIZE * page.rows.length)
    .writeUInt32(page.rows.length)
    .writeUInt32(page.nextBefore);
  for (const row of page.rows) writePictureRecord(encoder.writeUInt32(row.photoid), row);
  return encoder.toBuffer();
}

export function decodeMetadataListResponse(body: Buffer): MetadataListPage {
  const what = 'metadata list (4003) response';
  const decoder = new Decoder(body, what);
  const count = decoder.readUInt32();
  const nextBefore = decoder.readUInt32();
  if (count > MAX_LIST_LIMIT || body.length !== 8 + PICTURE_ROW_SIZE * count) {
    throw badBody(`${what}: count ${count} does not match a ${body.length}-byte body`);
  }
  const rows: PictureRow[] = [];
  for (let i = 0; i < count; i++) {
    const photoid = decoder.readUInt32();
    rows.push({ photoid, ...readPictureRecord(decoder) });
  }
  decoder.end();
  return { rows, nextBefore };
}
