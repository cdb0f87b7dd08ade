import type { Command } from '../command.js';
import { Cmd } from '../constants.js';
import { decodeStoredFile, type GroupFile } from '../group-file.js';

/*
 * REGENERATE_APPENDER_FILENAME (38, FastDFS 6.02+): storage/storage_service.c 4979-5039.
 * Request: the appender's remote filename (no group; the storage that owns it is asked).
 * Response: group[16] + the new filename (group-file.ts); the appender name is gone.
 */
export const RegenerateAppender: Command<string, GroupFile> = {
  cmd: Cmd.REGENERATE_APPENDER_FILENAME, name: 'regenerate appender filename', idempotent: false,
  encode: (filename) => Buffer.from(filename, 'latin1'), decode: decodeStoredFile('regenerate appender filename'),
};
