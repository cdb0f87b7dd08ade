import { type Command, expectEmpty, noBody } from './command.js';
import { Cmd } from './constants.js';

/** FDFS_PROTO_CMD_ACTIVE_TEST (111): empty request, empty reply, trackers and storages alike. */
export const ActiveTest: Command<void, void> = {
  cmd: Cmd.ACTIVE_TEST,
  name: 'active test',
  idempotent: true,
  encode: noBody,
  decode: expectEmpty('active test'),
};
