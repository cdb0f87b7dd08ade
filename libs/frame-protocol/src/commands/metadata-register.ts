import { Decoder, expectLength } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { FDFS_URL_SIZE } from '../file-ref.js';
import { badBody } from '../result-error.js';

/*
 * cmd 4001, register a picture (metadata_dbsvr): this project's command, in the style of §2.
 * Request, 228 bytes: one picture record (the same 228 bytes are each row of the 4003 reply):
 *
 *    0  uid       uint32     owner's user id
 *    4  albumid   uint32     album id (the session key's)
 *    8  hostid    uint32     storage cluster id
 *   12  fdfs_url  char[64]   FastDFS file id of the stored picture
 *   76  name      char[128]  the uploaded file's name: UTF-8, NUL-padded (the one non-ASCII field)
 *  204  type      char[8]    format as stored: jpg, png, gif, webp (lower-case letters and digits)
 *  212  size      uint32     stored bytes
 *  216  width     uint32     pixels
 *  220  height    uint32     pixels
 *  224  time      uint32     upload time, Unix seconds; 0 in a request = the server's clock
 *
 * Response, 4 bytes: photoid uint32. A (hostid, file id) already registered answers its existing
 * photoid and changes nothing, so a register retried after a lost reply is harmless.
 */
export const PICTURE_NAME_SIZE = 128;
export const PICTURE_TYPE_SIZE = 8;
export const PICTURE_RECORD_SIZE = 12 + FDFS_URL_SIZE + PICTURE_NAME_SIZE + PICTURE_TYPE_SIZE + 16;
export const METADATA_REGISTER_RESPONSE_SIZE = 4;

export interface PictureRecord {
  uid: number;
  albumid: number;
  hostid: number;
  /** The file id as sent (a register checks it); in 4003 rows, the file id as stored. */
  fdfsUrl: string;
  name: string;
  type: string;
  size: number;
  width: number;
  height: number;
  time: number;
}

export function writePictureRecord(encoder: Encoder, record: PictureRecord): Encoder {
  return encoder
    .writeUInt32(record.uid)
    .writeUInt32(record.albumid)
    .writeUInt32(record.hostid)
    .writeFixedString(record.fdfsUrl, FDFS_URL_SIZE)
    .writeBytes(nameField(record.name))
    .writeFixedString(record.type, PICTURE_TYPE_SIZE)
    .writeUInt32(record.size)
    .writeUInt32(record.width)
    .writeUInt32(record.height)
    .writeUInt32(record.time);
}

export function readPictureRecord(decoder: Decoder): PictureRecord {
  return {
    uid: decoder.readUInt32(),
    albumid: decoder.readUInt32(),
    hostid: decoder.readUInt32(),
    fdfsUrl: decoder.readFixedString(FDFS_URL_SIZE, 'fdfs_url'),
    name: readName(decoder),
    type: decoder.readFixedString(PICTURE_TYPE_SIZE, 'type'),
    size: decoder.readUInt32(),
    width: decoder.readUInt32(),
    height: decoder.readUInt32(),
    time: decoder.readUInt32(),
  };
}

export function encodeMetadataRegisterRequest(record: PictureRecord): Buffer {
  return writePictureRecord(new Encoder(PICTURE_RECORD_SIZE), record).toBuffer();
}

export function decodeMetadataRegisterRequest(body: Buffer): PictureRecord {
  const what = 'metadata register (4001)';
  expectLength(body, PICTURE_RECORD_SIZE, what);
  const decoder = new Decoder(body, what);
  const record = readPictureRecord(decoder);
  decoder.end();
  return record;
}

export function encodeMetadataRegisterResponse(photoid: number): Buffer {
  return new Encoder(METADATA_REGISTER_RESPONSE_SIZE).writeUInt32(photoid).toBuffer();
}

export function decodeMetadataRegisterResponse(body: Buffer): number {
  const what = 'metadata register (4001) response';
  expectLength(body, METADATA_REGISTER_RESPONSE_SIZE, what);
  return new Decoder(body, what).readUInt32();
}

/**
 * `name` cut to what char[128] holds, at a character boundary (a browser's file name may be
 * longer; the stored name is for display). Control characters are dropped: the field refuses them.
 */
export function clipPictureName(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '');
  if (Buffer.byteLength(clean, 'utf8') <= PICTURE_NAME_SIZE) return clean;
  let clipped = '';
  let bytes = 0;
  for (const char of clean) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > PICTURE_NAME_SIZE) break;
    clipped += char;
    bytes += size;
  }
  return clipped;
}

/** char[128] UTF-8, NUL-padded; longer than 128 bytes is a RangeError, never cut (clipPictureName does). */
function nameField(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length > PICTURE_NAME_SIZE) {
    throw new RangeError(`name of ${bytes.length} bytes does not fit char[${PICTURE_NAME_SIZE}]`);
  }
  const field = Buffer.alloc(PICTURE_NAME_SIZE);
  bytes.copy(field);
  return field;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function readName(decoder: Decoder): string {
  const raw = decoder.readBytes(PICTURE_NAME_SIZE);
  const nul = raw.indexOf(0);
  const value = raw.subarray(0, nul === -1 ? PICTURE_NAME_SIZE : nul);
  let name: string;
  try {
    name = UTF8.decode(value);
  } catch {
    throw badBody('metadata record: name is not UTF-8');
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) throw badBody('metadata record: name holds a control character');
  return name;
}
