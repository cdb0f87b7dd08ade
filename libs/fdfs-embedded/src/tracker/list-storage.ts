/*
 * 92 SERVER_LIST_STORAGE (tracker_deal_server_list_group_storages, tracker_service.c 2450-2563):
 * group[16] + optional storage id < 16 bytes (2466-2480); unknown group or id ENOENT (2485-2493,
 * 2555-2559). One record, 487 bytes (517 with 46-byte IPs): the embedded storage, ACTIVE, with
 * its counters.
 */
import { decodeListStorageRequest, encodeStorageStat, GROUP_NAME_SIZE, StorageStatus } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { notFound } from '../status.js';
import { FDFS_VERSION } from '../version.js';

/** upload_priority default in storage.conf. */
const UPLOAD_PRIORITY = 10;
/** rw_mode fdfs_rw_both = R_OK | W_OK (tracker_types.h 143-146). */
const RW_MODE = 6;

export const listStorage: Handler = async (req, node) => {
  const { options } = node;
  const body = await req.body.all(options.maxSmallBody);
  // The codec rejects (ProtocolError → EINVAL) a body shorter than a group or with an id of 16+ bytes.
  const { group, storageId = '' } = decodeListStorageRequest(body);
  if (group !== options.groupName) throw notFound(`no group ${group}`);
  // Without storage ids (use_storage_id=false) a storage's id is its IP address. An id field
  // that is present but empty names no storage either.
  if (body.length > GROUP_NAME_SIZE && storageId !== options.sourceIp) throw notFound(`no storage ${storageId}`);
  const disk = await node.store.diskSpace();
  const counters = { ...node.state.counters, lastHeartBeatTime: Math.floor(Date.now() / 1000) };
  const stat = {
    status: StorageStatus.ACTIVE,
    rwMode: RW_MODE,
    id: options.sourceIp,
    ip: options.sourceIp,
    srcId: '',
    version: FDFS_VERSION,
    joinTime: node.state.joinTime,
    upTime: node.upTime,
    totalMb: disk.totalMb,
    freeMb: disk.freeMb,
    reservedMb: 0,
    uploadPriority: UPLOAD_PRIORITY,
    storePathCount: 1,
    subdirCountPerPath: options.subdirCountPerPath,
    currentWritePath: 0,
    storagePort: node.storagePort,
    ifTrunkServer: false,
    counters,
  };
  return { body: encodeStorageStat(stat, options.ipAddrSize) };
};
