import { type Command, expectEmpty } from '../command.js';
import { Cmd } from '../constants.js';
import { encodeGroupFile, type GroupFile } from '../group-file.js';

/*
 * DELETE_FILE (12): storage/storage_service.c 7704-7927.
 * Request: group[16] + remote filename (group-file.ts). Response: empty.
 * Not idempotent for a client: a second delete answers ENOENT.
 */
export const Delete: Command<GroupFile, void> = {
  cmd: Cmd.DELETE_FILE,
  name: 'delete',
  idempotent: false,
  encode: encodeGroupFile,
  decode: expectEmpty('delete'),
};
