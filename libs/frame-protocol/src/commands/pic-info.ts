import { Decoder } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { FDFS_URL_SIZE } from '../file-ref.js';
import { badArgument, badBody } from '../result-error.js';

/*
 * The picture list of cmd 3002 (queue deletes) and cmd 3030 (batch delete), 4 + 68·file_cnt bytes:
 *
 *   0  file_cnt  uint32
 *   4  pic_info[file_cnt]:
 *        +0  hostid  uint32    storage cluster id
 *        +4  url     char[64]  file id, or a URL whose path ends in one
 */
export const PIC_INFO_SIZE = 4 + FDFS_URL_SIZE;
/** The most pictures one request may name (a 1 MiB frame holds ~15,000; a cron batch is far smaller). */
export const MAX_PIC_COUNT = 4096;

export interface PicInfo {
  hostid: number;
  /** As sent: checked as a file id by the service that acts on it, so that one bad entry fails alone. */
  url: string;
}

export function encodePicList(pics: readonly PicInfo[]): Buffer {
  const encoder = new Encoder(4 + PIC_INFO_SIZE * pics.length).writeUInt32(pics.length);
  for (const pic of pics) encoder.writeUInt32(pic.hostid).writeFixedString(pic.url, FDFS_URL_SIZE);
  return encoder.toBuffer();
}

/** BAD_BODY when file_cnt and the body length disagree; BAD_ARGUMENT for a count of 0 or over MAX_PIC_COUNT. */
export function decodePicList(body: Buffer, what: string): PicInfo[] {
  if (body.length < 4) throw badBody(`${what}: body is ${body.length} bytes, shorter than file_cnt`);
  const decoder = new Decoder(body, what);
  const count = decoder.readUInt32();
  if ((body.length - 4) % PIC_INFO_SIZE !== 0 || (body.length - 4) / PIC_INFO_SIZE !== count) {
    throw badBody(`${what}: file_cnt ${count} does not match a ${body.length}-byte body`);
  }
  if (count === 0 || count > MAX_PIC_COUNT) throw badArgument(`${what}: file_cnt ${count} not in 1..${MAX_PIC_COUNT}`);
  const pics: PicInfo[] = [];
  for (let i = 0; i < count; i++) {
    pics.push({ hostid: decoder.readUInt32(), url: decoder.readFixedString(FDFS_URL_SIZE, `pic_info[${i}].url`) });
  }
  decoder.end();
  return pics;
}
