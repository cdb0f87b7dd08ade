/** Command codes, tracker/tracker_proto.h 19-107 (FastDFS 6.16.1). */
export const Cmd = {
  RESP: 100,
  QUIT: 82,
  ACTIVE_TEST: 111,

  // tracker, client-facing
  SERVER_LIST_ONE_GROUP: 90,
  SERVER_LIST_ALL_GROUPS: 91,
  SERVER_LIST_STORAGE: 92,
  QUERY_STORE_WITHOUT_GROUP_ONE: 101,
  QUERY_FETCH_ONE: 102,
  QUERY_UPDATE: 103,
  QUERY_STORE_WITH_GROUP_ONE: 104,
  QUERY_FETCH_ALL: 105,
  QUERY_STORE_WITHOUT_GROUP_ALL: 106,
  QUERY_STORE_WITH_GROUP_ALL: 107,

  // storage, client-facing
  UPLOAD_FILE: 11,
  DELETE_FILE: 12,
  SET_METADATA: 13,
  DOWNLOAD_FILE: 14,
  GET_METADATA: 15,
  UPLOAD_SLAVE_FILE: 21,
  QUERY_FILE_INFO: 22,
  UPLOAD_APPENDER_FILE: 23,
  APPEND_FILE: 24,
  MODIFY_FILE: 34,
  TRUNCATE_FILE: 36,
  REGENERATE_APPENDER_FILENAME: 38,
} as const;

export type CmdCode = (typeof Cmd)[keyof typeof Cmd];

/** Header: int64 body length, uint8 cmd, uint8 status (tracker_proto.h 138-143). */
export const HEADER_SIZE = 10;

/** FDFS_GROUP_NAME_MAX_LEN: group fields are always 16 bytes, NUL-padded. */
export const GROUP_NAME_SIZE = 16;
/** FDFS_FILE_EXT_NAME_MAX_LEN */
export const EXT_NAME_SIZE = 6;
/** FDFS_FILE_PREFIX_MAX_LEN */
export const PREFIX_NAME_SIZE = 16;
/** FDFS_STORAGE_ID_MAX_SIZE */
export const STORAGE_ID_SIZE = 16;

/** Metadata record separators (common/fdfs_define.h 23-24). */
export const META_RECORD_SEPARATOR = 0x01;
export const META_FIELD_SEPARATOR = 0x02;
/** FDFS_MAX_META_NAME_LEN / FDFS_MAX_META_VALUE_LEN: longer ones are truncated by the server. */
export const META_NAME_MAX = 64;
export const META_VALUE_MAX = 256;

export const META_OVERWRITE = 0x4f; // 'O'
export const META_MERGE = 0x4d; // 'M'

/** Query-file-info flags, sent in the header's status byte (since 6.15.1). */
export const FILE_INFO_FLAG_NO_CRC32 = 1;
export const FILE_INFO_FLAG_KEEP_SILENCE = 2;

/** Storage status values (tracker_types.h 53-62). */
export const StorageStatus = {
  INIT: 0,
  WAIT_SYNC: 1,
  SYNCING: 2,
  IP_CHANGED: 3,
  DELETED: 4,
  OFFLINE: 5,
  ONLINE: 6,
  ACTIVE: 7,
  RECOVERY: 9,
  NONE: 99,
} as const;

const STORAGE_STATUS_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(StorageStatus)
    .filter(([name]) => name !== 'NONE')
    .map(([name, value]) => [value, name]),
);

/** get_storage_status_caption (tracker_proto.c), as fdfs_monitor prints it: ACTIVE, OFFLINE, ... or UNKNOWN. */
export function storageStatusName(status: number): string {
  return STORAGE_STATUS_NAMES[status] ?? 'UNKNOWN';
}
