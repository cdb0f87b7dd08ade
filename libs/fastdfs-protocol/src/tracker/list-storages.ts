import { ProtocolError } from '../errors.js';
import { GROUP_NAME_SIZE, STORAGE_ID_SIZE } from '../constants.js';
import { Decoder } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { IP_SIZE_V4, IP_SIZE_V6, type IpFieldSize } from '../ip-field.js';
import type { Command } from '../command.js';
import { Cmd } from '../constants.js';

/*
 * SERVER_LIST_STORAGE (92). Request: group[16], optionally followed by a storage id (< 16 bytes)
 * to list only that one. Response: n × TrackerStorageStat (tracker_proto.h 201-225).
 *
 * FastDFS 6.13.1+ (487 bytes with 16-byte IPs, 517 with 46-byte IPs; 6.13.0: 509, no reserved_mb):
 *   status u8, rw_mode u8, id[16], ip[16|46], src_id[16], version[8], join_time, up_time,
 *   total_mb, free_mb, reserved_mb, upload_priority, store_path_count, subdir_count_per_path,
 *   current_write_path, storage_port, stat_buff[348], if_trunk_server u8
 * FastDFS 5.x–6.12 (612 bytes ≤ 6.10; 642 in 6.11.0 (ip[46]); 644 in 6.12 (ip[46], version[8])):
 *   status u8, id[16], ip[16|46], domain_name[128], src_id[16], version[6|8], join_time, up_time,
 *   total_mb, free_mb, upload_priority, store_path_count, subdir_count_per_path,
 *   current_write_path, storage_port, storage_http_port, stat_buff[348], if_trunk_server u8
 * stat_buff (FDFSStorageStatBuff, tracker_types.h 243-294): 3 × int32, then 42 × int64 (STAT_FIELDS).
 * Numbers are int64 BE unless marked.
 */
interface StorageLayout {
  size: number;
  ipSize: IpFieldSize;
  modern: boolean;
  versionSize: number;
  reservedMb: boolean;
}

/** Preference order when a body length is a multiple of more than one record size. */
const LAYOUTS: readonly StorageLayout[] = [
  { size: 487, ipSize: IP_SIZE_V4, modern: true, versionSize: 8, reservedMb: true },
  { size: 517, ipSize: IP_SIZE_V6, modern: true, versionSize: 8, reservedMb: true },
  { size: 509, ipSize: IP_SIZE_V6, modern: true, versionSize: 8, reservedMb: false },
  { size: 644, ipSize: IP_SIZE_V6, modern: false, versionSize: 8, reservedMb: false },
  { size: 612, ipSize: IP_SIZE_V4, modern: false, versionSize: 6, reservedMb: false },
  { size: 642, ipSize: IP_SIZE_V6, modern: false, versionSize: 6, reservedMb: false },
];

export const STORAGE_STAT_SIZES = LAYOUTS.map((l) => l.size);
const DOMAIN_NAME_SIZE = 128;

export const CONNECTION_FIELDS = ['connectionAllocCount', 'connectionCurrentCount', 'connectionMaxCount'] as const;
export const STAT_FIELDS = [
  'totalUploadCount',
  'successUploadCount',
  'totalAppendCount',
  'successAppendCount',
  'totalModifyCount',
  'successModifyCount',
  'totalTruncateCount',
  'successTruncateCount',
  'totalSetMetaCount',
  'successSetMetaCount',
  'totalDeleteCount',
  'successDeleteCount',
  'totalDownloadCount',
  'successDownloadCount',
  'totalGetMetaCount',
  'successGetMetaCount',
  'totalCreateLinkCount',
  'successCreateLinkCount',
  'totalDeleteLinkCount',
  'successDeleteLinkCount',
  'totalUploadBytes',
  'successUploadBytes',
  'totalAppendBytes',
  'successAppendBytes',
  'totalModifyBytes',
  'successModifyBytes',
  'totalDownloadBytes',
  'successDownloadBytes',
  'totalSyncInBytes',
  'successSyncInBytes',
  'totalSyncOutBytes',
  'successSyncOutBytes',
  'totalFileOpenCount',
  'successFileOpenCount',
  'totalFileReadCount',
  'successFileReadCount',
  'totalFileWriteCount',
  'successFileWriteCount',
  'lastSourceUpdate',
  'lastSyncUpdate',
  'lastSyncedTimestamp',
  'lastHeartBeatTime',
] as const;

export type StorageCounters = Record<(typeof CONNECTION_FIELDS)[number] | (typeof STAT_FIELDS)[number], number>;

export interface StorageStat {
  status: number;
  /** 0 none, 2 write-only, 4 read-only, 6 both; legacy servers (no rw_mode) report 6. */
  rwMode: number;
  id: string;
  ip: string;
  srcId: string;
  version: string;
  joinTime: number;
  upTime: number;
  totalMb: number;
  freeMb: number;
  reservedMb: number;
  uploadPriority: number;
  storePathCount: number;
  subdirCountPerPath: number;
  currentWritePath: number;
  storagePort: number;
  ifTrunkServer: boolean;
  counters: StorageCounters;
  /** Legacy servers only. */
  domainName?: string;
  storageHttpPort?: number;
}

export function encodeListStorageRequest(group: string, storageId?: string): Buffer {
  const e = new Encoder().writeFixedString(group, GROUP_NAME_SIZE);
  if (storageId !== undefined && storageId !== '') e.writeBytes(storageId.slice(0, STORAGE_ID_SIZE - 1));
  return e.toBuffer();
}

export function decodeListStorageRequest(body: Buffer): { group: string; storageId?: string } {
  const d = new Decoder(body, 'list storage request');
  const group = d.readFixedString(GROUP_NAME_SIZE);
  if (d.remaining >= STORAGE_ID_SIZE) throw new ProtocolError('list storage: storage id too long');
  const storageId = d.readRest().toString('latin1').replace(/\0.*$/s, '');
  return storageId === '' ? { group } : { group, storageId };
}

/** Encodes the 6.15+ layout: 487 bytes per storage with 16-byte IPs, 517 with 46. */
export function encodeStorageStat(stat: StorageStat, ipSize: IpFieldSize = IP_SIZE_V4): Buffer {
  const e = new Encoder()
    .writeUInt8(stat.status)
    .writeUInt8(stat.rwMode)
    .writeFixedString(stat.id, STORAGE_ID_SIZE)
    .writeFixedString(stat.ip, ipSize)
    .writeFixedString(stat.srcId, STORAGE_ID_SIZE)
    .writeFixedString(stat.version, 8);
  for (const n of [
    stat.joinTime,
    stat.upTime,
    stat.totalMb,
    stat.freeMb,
    stat.reservedMb,
    stat.uploadPriority,
    stat.storePathCount,
    stat.subdirCountPerPath,
    stat.currentWritePath,
    stat.storagePort,
  ]) {
    e.writeInt64(n);
  }
  for (const name of CONNECTION_FIELDS) {
    const buf = Buffer.alloc(4);
    buf.writeInt32BE(stat.counters[name]);
    e.writeBytes(buf);
  }
  for (const name of STAT_FIELDS) e.writeInt64(stat.counters[name]);
  return e.writeUInt8(stat.ifTrunkServer ? 1 : 0).toBuffer();
}

function readStorageStat(d: Decoder, layout: StorageLayout): StorageStat {
  const status = d.readUInt8();
  const rwMode = layout.modern ? d.readUInt8() : 6;
  const id = d.readFixedString(STORAGE_ID_SIZE);
  const ip = d.readFixedString(layout.ipSize);
  const domainName = layout.modern ? undefined : d.readFixedString(DOMAIN_NAME_SIZE);
  const srcId = d.readFixedString(STORAGE_ID_SIZE);
  const version = d.readFixedString(layout.versionSize);
  const joinTime = d.readInt64();
  const upTime = d.readInt64();
  const totalMb = d.readInt64();
  const freeMb = d.readInt64();
  const reservedMb = layout.reservedMb ? d.readInt64() : 0;
  const uploadPriority = d.readInt64();
  const storePathCount = d.readInt64();
  const subdirCountPerPath = d.readInt64();
  const currentWritePath = d.readInt64();
  const storagePort = d.readInt64();
  const storageHttpPort = layout.modern ? undefined : d.readInt64();
  const counters = {} as StorageCounters;
  for (const name of CONNECTION_FIELDS) counters[name] = d.readInt32();
  for (const name of STAT_FIELDS) counters[name] = d.readInt64();
  const ifTrunkServer = d.readUInt8() !== 0;
  const stat: StorageStat = {
    status,
    rwMode,
    id,
    ip,
    srcId,
    version,
    joinTime,
    upTime,
    totalMb,
    freeMb,
    reservedMb,
    uploadPriority,
    storePathCount,
    subdirCountPerPath,
    currentWritePath,
    storagePort,
    ifTrunkServer,
    counters,
  };
  if (domainName !== undefined) stat.domainName = domainName;
  if (storageHttpPort !== undefined) stat.storageHttpPort = storageHttpPort;
  return stat;
}

/** Decodes a 92 response; the record layout is told from the body length (see the table above). */
export function decodeStorageStats(body: Buffer): StorageStat[] {
  if (body.length === 0) return [];
  const layout = LAYOUTS.find((l) => body.length % l.size === 0);
  if (layout === undefined) {
    throw new ProtocolError(
      `list storages: body of ${body.length} bytes is not a multiple of any known record size ` +
        `(${STORAGE_STAT_SIZES.join(', ')})`,
    );
  }
  const d = new Decoder(body, 'storage stat');
  const stats: StorageStat[] = [];
  while (d.remaining > 0) stats.push(readStorageStat(d, layout));
  return stats;
}

/** 92: the storages of a group, or the one with `storageId`. */
export const ListStorage: Command<{ group: string; storageId?: string }, StorageStat[]> = {
  cmd: Cmd.SERVER_LIST_STORAGE,
  name: 'list storages',
  idempotent: true,
  encode: ({ group, storageId }) => encodeListStorageRequest(group, storageId),
  decode: decodeStorageStats,
};
