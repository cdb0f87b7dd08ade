import { Cmd } from 'fastdfs-protocol';
import { activeTest } from '../server/active-test.js';
import type { CommandTable } from '../server/handler.js';
import { append } from './append.js';
import { counted } from './counters.js';
import { deleteFile } from './delete.js';
import { download } from './download.js';
import { getMetadata } from './get-metadata.js';
import { modify } from './modify.js';
import { queryFileInfo } from './query-file-info.js';
import { regenerateAppender } from './regenerate-appender.js';
import { setMetadata } from './set-metadata.js';
import { truncate } from './truncate.js';
import { uploadSlave } from './upload-slave.js';
import { upload } from './upload.js';

/**
 * The storage's commands (storage_deal_task, storage_service.c 8450-8657), each in the file of
 * its name; `counted` adds it to the statistics LIST_STORAGE reports. 82 QUIT is the request
 * loop's; any other code is EINVAL.
 */
export const STORAGE_COMMANDS: CommandTable = {
  [Cmd.UPLOAD_FILE]: counted('totalUploadCount', 'successUploadCount', upload),
  [Cmd.UPLOAD_APPENDER_FILE]: counted('totalUploadCount', 'successUploadCount', upload),
  [Cmd.UPLOAD_SLAVE_FILE]: counted('totalUploadCount', 'successUploadCount', uploadSlave),
  [Cmd.APPEND_FILE]: counted('totalAppendCount', 'successAppendCount', append),
  [Cmd.MODIFY_FILE]: counted('totalModifyCount', 'successModifyCount', modify),
  [Cmd.TRUNCATE_FILE]: counted('totalTruncateCount', 'successTruncateCount', truncate),
  [Cmd.REGENERATE_APPENDER_FILENAME]: regenerateAppender,
  [Cmd.DELETE_FILE]: counted('totalDeleteCount', 'successDeleteCount', deleteFile),
  [Cmd.DOWNLOAD_FILE]: counted('totalDownloadCount', 'successDownloadCount', download),
  [Cmd.SET_METADATA]: counted('totalSetMetaCount', 'successSetMetaCount', setMetadata),
  [Cmd.GET_METADATA]: counted('totalGetMetaCount', 'successGetMetaCount', getMetadata),
  [Cmd.QUERY_FILE_INFO]: queryFileInfo,
  [Cmd.ACTIVE_TEST]: activeTest,
};
