import { decodePicList, encodePicList, type PicInfo } from './pic-info.js';

/*
 * cmd 3002, queue deletes (del_svr).
 * Request: the picture list (pic-info.ts), 4 + 68·file_cnt bytes.
 * Response: header only; ret 0 once every entry is in the delete log and fsynced.
 */
export const encodeQueueDeletesRequest = (pics: readonly PicInfo[]): Buffer => encodePicList(pics);
export const decodeQueueDeletesRequest = (body: Buffer): PicInfo[] => decodePicList(body, 'queue deletes (3002)');
