/**
 * Command numbers (the header's `cmd`). 3005, 3002, 3030 and 0x10B5 are the legacy services'
 * numbers; the 40xx metadata commands are this project's (docs/frame-protocol.md).
 */
export const Cmd = {
  CROP: 3005,
  QUEUE_DELETES: 3002,
  BATCH_DELETE: 3030,
  SESSION_CHECK: 0x10b5,
  METADATA_REGISTER: 4001,
  METADATA_REMOVE: 4002,
  METADATA_LIST: 4003,
} as const;

export type CmdName = keyof typeof Cmd;
