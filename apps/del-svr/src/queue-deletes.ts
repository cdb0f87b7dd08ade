import { ResultError, decodeQueueDeletesRequest } from '@pic-storage/frame-protocol';
import type { FrameHandler, ServiceLogger } from '@pic-storage/frame-service';
import { entriesOfPics, type DeleteLogWriter } from '@pic-storage/delete-log';

/**
 * cmd 3002: the picture list is decoded and every url checked as a file id before anything is
 * written, so one bad entry refuses the whole request (BAD_BODY, BAD_ARGUMENT) and changes nothing.
 * The reply (header only, ret 0) is sent once the entries are in the delete log and synced.
 */
export function queueDeletesHandler(log: DeleteLogWriter, logger: ServiceLogger): FrameHandler {
  return async ({ body, remoteAddress, header }) => {
    let entries;
    try {
      entries = entriesOfPics(decodeQueueDeletesRequest(body));
    } catch (err) {
      if (err instanceof ResultError) {
        logger.warn({ remote: remoteAddress, seq: header.seq, ret: err.code, err: err.message }, 'request refused');
      }
      throw err;
    }
    await log.append(entries);
    return {};
  };
}
