/**
 * FastDFS storage states as the tracker reports them (tracker_types.h FDFS_STORAGE_STATUS_*),
 * named as fdfs_monitor names them. Only ACTIVE serves uploads and downloads.
 */
const STORAGE_STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'INIT',
  1: 'WAIT_SYNC',
  2: 'SYNCING',
  3: 'IP_CHANGED',
  4: 'DELETED',
  5: 'OFFLINE',
  6: 'ONLINE',
  7: 'ACTIVE',
  9: 'RECOVERY',
};

export const STORAGE_ACTIVE = 7;

export function storageStatusName(status: number): string {
  return STORAGE_STATUS_NAMES[status] ?? `UNKNOWN(${status})`;
}
