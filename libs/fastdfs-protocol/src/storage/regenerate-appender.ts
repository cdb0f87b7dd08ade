import type { Command } from '../command.js';
import { Cmd } from '../constants.js';
import { ProtocolError } from '../errors.js';
import { MAX_FILENAME_LENGTH, NORMAL_FILENAME_LENGTH } from '../file-id.js';
import { decodeStoredFile, type GroupFile } from '../group-file.js';

/*
 * REGENERATE_APPENDER_FILENAME (38, FastDFS 6.02+): storage/storage_service.c 4979-5039.
 * Request: the appender's remote filename (no group; the storage that owns it is asked).
 * Response: group[16] + the new filename (group-file.ts); the appender name is gone.
 */
export const RegenerateAppender: Command<string, GroupFile> = {
  cmd: Cmd.REGENERATE_APPENDER_FILENAME,
  name: 'regenerate appender filename',
  idempotent: false,
  encode: (filename) => Buffer.from(filename, 'latin1'),
  decode: decodeStoredFile('regenerate appender filename'),
};

/** The request: the appender's name, 44..127 characters (storage_service.c 4991-5000). */
export function decodeRegenerateRequest(body: Buffer): string {
  if (body.length < NORMAL_FILENAME_LENGTH || body.length > MAX_FILENAME_LENGTH) {
    throw new ProtocolError(`regenerate: body of ${body.length} bytes`);
  }
  return body.toString('latin1');
}
