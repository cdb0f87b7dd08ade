import { ProtocolError } from '../errors.js';
import { GROUP_NAME_SIZE } from '../constants.js';
import { Decoder } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { type Command, noBody } from '../command.js';
import { Cmd } from '../constants.js';
import { encodeGroup } from '../group-file.js';

/*
 * SERVER_LIST_ONE_GROUP (90, request group[16]) / SERVER_LIST_ALL_GROUPS (91, empty request)
 * Response: one / n × TrackerGroupStat (tracker_proto.h 184-199).
 *
 * 113 bytes, FastDFS 6.13.1+:              105 bytes, FastDFS 5.x–6.12 ("legacy"):
 *    0 group_name[17]                         0 group_name[17]
 *   17 total_mb                              17 total_mb
 *   25 free_mb                               25 free_mb
 *   33 reserved_mb                           33 trunk_free_mb
 *   41 trunk_free_mb                         41 storage_count
 *   49 storage_count                         49 storage_port
 *   57 storage_port                          57 storage_http_port
 *   65 readable_server_count                 65 active_count
 *   73 writable_server_count                 73 current_write_server
 *   81 current_write_server                  81 store_path_count
 *   89 store_path_count                      89 subdir_count_per_path
 *   97 subdir_count_per_path                 97 current_trunk_file_id
 *  105 current_trunk_file_id
 * (all int64 BE). 6.13.0 sent 105 bytes with readable/writable counts where legacy has
 * http_port/active_count; it reads as legacy.
 */
export const GROUP_STAT_SIZE = 113;
export const GROUP_STAT_SIZE_LEGACY = 105;

export interface GroupStat {
  group: string;
  totalMb: number;
  freeMb: number;
  /** 0 on servers before 6.13.1, which do not report it. */
  reservedMb: number;
  trunkFreeMb: number;
  storageCount: number;
  storagePort: number;
  /** Storages that can serve reads (legacy servers: the active count). */
  readableServerCount: number;
  /** Storages that accept writes (legacy servers: the active count). */
  writableServerCount: number;
  currentWriteServer: number;
  storePathCount: number;
  subdirCountPerPath: number;
  currentTrunkFileId: number;
  /** Only legacy servers report an HTTP port. */
  storageHttpPort?: number;
}

export function encodeGroupStat(stat: GroupStat): Buffer {
  return new Encoder()
    .writeFixedString(stat.group, GROUP_NAME_SIZE + 1)
    .writeInt64(stat.totalMb)
    .writeInt64(stat.freeMb)
    .writeInt64(stat.reservedMb)
    .writeInt64(stat.trunkFreeMb)
    .writeInt64(stat.storageCount)
    .writeInt64(stat.storagePort)
    .writeInt64(stat.readableServerCount)
    .writeInt64(stat.writableServerCount)
    .writeInt64(stat.currentWriteServer)
    .writeInt64(stat.storePathCount)
    .writeInt64(stat.subdirCountPerPath)
    .writeInt64(stat.currentTrunkFileId)
    .toBuffer();
}

function readGroupStat(d: Decoder, legacy: boolean): GroupStat {
  const group = d.readFixedString(GROUP_NAME_SIZE + 1);
  const totalMb = d.readInt64();
  const freeMb = d.readInt64();
  if (legacy) {
    const trunkFreeMb = d.readInt64();
    const storageCount = d.readInt64();
    const storagePort = d.readInt64();
    const storageHttpPort = d.readInt64();
    const active = d.readInt64();
    return {
      group,
      totalMb,
      freeMb,
      reservedMb: 0,
      trunkFreeMb,
      storageCount,
      storagePort,
      storageHttpPort,
      readableServerCount: active,
      writableServerCount: active,
      currentWriteServer: d.readInt64(),
      storePathCount: d.readInt64(),
      subdirCountPerPath: d.readInt64(),
      currentTrunkFileId: d.readInt64(),
    };
  }
  return {
    group,
    totalMb,
    freeMb,
    reservedMb: d.readInt64(),
    trunkFreeMb: d.readInt64(),
    storageCount: d.readInt64(),
    storagePort: d.readInt64(),
    readableServerCount: d.readInt64(),
    writableServerCount: d.readInt64(),
    currentWriteServer: d.readInt64(),
    storePathCount: d.readInt64(),
    subdirCountPerPath: d.readInt64(),
    currentTrunkFileId: d.readInt64(),
  };
}

/** Decodes a 90 or 91 response; the record size (113 or 105) is told from the body length. */
export function decodeGroupStats(body: Buffer): GroupStat[] {
  const legacy = body.length % GROUP_STAT_SIZE !== 0;
  if (legacy && body.length % GROUP_STAT_SIZE_LEGACY !== 0) {
    throw new ProtocolError(
      `list groups: body of ${body.length} bytes is not a multiple of ${GROUP_STAT_SIZE} or ${GROUP_STAT_SIZE_LEGACY}`,
    );
  }
  const d = new Decoder(body, 'group stat');
  const stats: GroupStat[] = [];
  while (d.remaining > 0) stats.push(readGroupStat(d, legacy));
  return stats;
}

/** 91: every group. */
export const ListAllGroups: Command<void, GroupStat[]> = {
  cmd: Cmd.SERVER_LIST_ALL_GROUPS,
  name: 'list groups',
  idempotent: true,
  encode: noBody,
  decode: decodeGroupStats,
};

/** 90: one group. */
export const ListOneGroup: Command<string, GroupStat> = {
  cmd: Cmd.SERVER_LIST_ONE_GROUP,
  name: 'list group',
  idempotent: true,
  encode: encodeGroup,
  decode: (body) => {
    const stats = decodeGroupStats(body);
    if (stats.length !== 1) throw new ProtocolError(`list group: reply holds ${stats.length} groups`);
    return stats[0] as GroupStat;
  },
};
