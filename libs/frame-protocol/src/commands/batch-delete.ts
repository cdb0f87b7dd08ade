import { Decoder } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { badBody } from '../result-error.js';
import { decodePicList, encodePicList, type PicInfo } from './pic-info.js';

/*
 * cmd 3030, batch delete (cs_del_svr).
 * Request: the picture list (pic-info.ts), 4 + 68·file_cnt bytes.
 * Response, 4 + 4·file_cnt bytes; header ret 0 when every result is 0, else PARTIAL (1011):
 *
 *   0  file_cnt  uint32
 *   4  result    uint32[file_cnt]  per file, in request order (0: deleted or already gone)
 */
export const encodeBatchDeleteRequest = (pics: readonly PicInfo[]): Buffer => encodePicList(pics);
export const decodeBatchDeleteRequest = (body: Buffer): PicInfo[] => decodePicList(body, 'batch delete (3030)');

export function encodeBatchDeleteResponse(results: readonly number[]): Buffer {
  const encoder = new Encoder(4 + 4 * results.length).writeUInt32(results.length);
  for (const result of results) encoder.writeUInt32(result);
  return encoder.toBuffer();
}

export function decodeBatchDeleteResponse(body: Buffer): number[] {
  const what = 'batch delete (3030) response';
  const decoder = new Decoder(body, what);
  const count = decoder.readUInt32();
  if (body.length !== 4 + 4 * count)
    throw badBody(`${what}: file_cnt ${count} does not match a ${body.length}-byte body`);
  const results: number[] = [];
  for (let i = 0; i < count; i++) results.push(decoder.readUInt32());
  decoder.end();
  return results;
}
