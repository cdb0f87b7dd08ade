import { type GroupStat, type StorageStat, STAT_FIELDS, storageStatusName } from 'fastdfs-protocol';
import { formatLocalTime, mbToHuman, secondsToHuman } from './human.js';

/*
 * The text of `fdfs_monitor <conf> list [group]` (client/fdfs_monitor.c list_all_groups and
 * list_storages), less its first lines naming the tracker: people who know that tool read this
 * one the same way, and scripts that grep `host = ... ACTIVE` keep working.
 */

/** fdfs_monitor's get_storage_rw_caption; rw_mode is R_OK (4) | W_OK (2). */
export function rwModeName(rwMode: number): string {
  const names: Record<number, string> = { 0: 'none (disabled)', 4: 'readonly', 2: 'writeonly', 6: 'both (normal)' };
  return names[rwMode] ?? 'unknown';
}

/** `group count: N`, then each group's summary (the storages are `formatStorages`'). */
export function formatGroups(groups: readonly GroupStat[]): string {
  return [`group count: ${groups.length}`, ...groups.map((g, i) => `\nGroup ${i + 1}:\n${groupLines(g).join('\n')}`)]
    .join('\n')
    .concat('\n');
}

/** `fdfs_monitor list`: every group given, each with its storages. */
export function formatAllStorages(
  groups: ReadonlyArray<{ group: GroupStat; storages: readonly StorageStat[] }>,
): string {
  const blocks = groups.map(({ group, storages }, i) => `\nGroup ${i + 1}:\n${formatStorages(group, storages)}`);
  return `group count: ${groups.length}\n${blocks.join('')}`;
}

/** `fdfs_monitor list <group>`: the group's summary, then one block per storage. */
export function formatStorages(group: GroupStat, storages: readonly StorageStat[]): string {
  const lines = groupLines(group);
  const trunkServer = group.currentTrunkFileId >= 0 ? storages.find((s) => s.ifTrunkServer) : undefined;
  if (trunkServer !== undefined) {
    lines.push(`current trunk server = ${trunkServer.id} (${trunkServer.ip})`);
    lines.push(`current trunk file id = ${group.currentTrunkFileId}`);
  }
  lines.push('');
  let text = `${lines.join('\n')}\n`;
  storages.forEach((storage, i) => {
    text += storageLines(storage, i + 1, syncedDelay(storage, storages))
      .map((line) => (line.startsWith('Storage ') ? `\t${line}` : `\t\t${line}`))
      .join('\n');
    text += '\n';
  });
  return text;
}

function groupLines(g: GroupStat): string[] {
  const lines = [
    `group name = ${g.group}`,
    `disk total space     = ${mbToHuman(g.totalMb).padStart(7)}`,
    `disk free space      = ${mbToHuman(g.freeMb).padStart(7)}`,
    `disk reserved space  = ${mbToHuman(g.reservedMb).padStart(7)}`,
    `disk available space = ${mbToHuman(Math.max(0, g.freeMb - g.reservedMb)).padStart(7)}`,
  ];
  // current_trunk_file_id >= 0 means the group stores small files in trunk files.
  if (g.currentTrunkFileId >= 0) lines.push(`trunk free space = ${mbToHuman(g.trunkFreeMb).padStart(7)}`);
  lines.push(
    `storage server count = ${g.storageCount}`,
    `readable server count = ${g.readableServerCount}`,
    `writable server count = ${g.writableServerCount}`,
    `storage server port = ${g.storagePort}`,
    `store path count = ${g.storePathCount}`,
    `subdir count per path = ${g.subdirCountPerPath}`,
    `current write server index = ${g.currentWriteServer}`,
  );
  return lines;
}

/** `(never synced)` / `(N seconds delay)` behind the newest update of the other storages; '' alone. */
function syncedDelay(storage: StorageStat, all: readonly StorageStat[]): string {
  const newest = Math.max(0, ...all.filter((s) => s !== storage).map((s) => s.counters.lastSourceUpdate));
  if (newest === 0) return '';
  const synced = storage.counters.lastSyncedTimestamp;
  return synced === 0 ? '(never synced)' : `(${secondsToHuman(newest - synced)} delay)`;
}

/** The C field names of the counters, in fdfs_monitor's order (`stotal_download_bytes` sic). */
const COUNTER_LABELS = STAT_FIELDS.slice(0, STAT_FIELDS.indexOf('lastSourceUpdate')).map((field) => {
  const label = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return [field, label === 'total_download_bytes' ? 'stotal_download_bytes' : label] as const;
});

function storageLines(s: StorageStat, n: number, delay: string): string[] {
  const c = s.counters;
  const host = s.ip.includes(':') ? `[${s.ip}]` : s.ip;
  return [
    `Storage ${n}:`,
    `id = ${s.id}`,
    `host = ${host}:${s.storagePort}  ${storageStatusName(s.status)}`,
    `read write mode = ${rwModeName(s.rwMode)}`,
    `version = ${s.version}`,
    `join time = ${formatLocalTime(s.joinTime)}`,
    `up time = ${s.upTime === 0 ? '' : formatLocalTime(s.upTime)}`,
    `disk total space     = ${mbToHuman(s.totalMb).padStart(7)}`,
    `disk free space      = ${mbToHuman(s.freeMb).padStart(7)}`,
    `disk reserved space  = ${mbToHuman(s.reservedMb).padStart(7)}`,
    `disk available space = ${mbToHuman(Math.max(0, s.freeMb - s.reservedMb)).padStart(7)}`,
    `upload priority = ${s.uploadPriority}`,
    `store_path_count = ${s.storePathCount}`,
    `subdir_count_per_path = ${s.subdirCountPerPath}`,
    `current_write_path = ${s.currentWritePath}`,
    `source storage id = ${s.srcId}`,
    `if_trunk_server = ${s.ifTrunkServer ? 1 : 0}`,
    `connection.alloc_count = ${c.connectionAllocCount}`,
    `connection.current_count = ${c.connectionCurrentCount}`,
    `connection.max_count = ${c.connectionMaxCount}`,
    ...COUNTER_LABELS.map(([field, label]) => `${label} = ${c[field]}`),
    `last_heart_beat_time = ${formatLocalTime(c.lastHeartBeatTime)}`,
    `last_source_update = ${formatLocalTime(c.lastSourceUpdate)}`,
    `last_sync_update = ${formatLocalTime(c.lastSyncUpdate)}`,
    `last_synced_timestamp = ${formatLocalTime(c.lastSyncedTimestamp)} ${delay}`,
  ];
}
