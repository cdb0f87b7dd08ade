/**
 * The delete log of del_svr (cmd 3002) and del_file_ontime: the entry format, durable group-committed
 * appends that follow a rotation, and the resumable drain (docs/services/del-svr.md,
 * docs/services/del-file-ontime.md).
 */
export {
  entriesOfPics,
  entryOfPic,
  formatEntries,
  parseEntryLine,
  MAX_ENTRY_LINE_LENGTH,
  type DeleteEntry,
} from './entry.js';
export {
  DeleteLogWriter,
  DeleteLogFullError,
  DELETE_LOG_WRITER_DEFAULTS,
  type DeleteLogWriterOptions,
  type DeleteLogStats,
} from './log-writer.js';
export { readEntryBatches, countEntries, type EntryBatch } from './entry-reader.js';
export { drainFilesOf, readProgress, type DrainFiles, type DrainProgress } from './drain-files.js';
export { drainDeleteLog, DrainStoppedError, type BatchSender, type DrainOptions, type DrainSummary } from './drain.js';
export { RunLockedError } from './run-lock.js';
