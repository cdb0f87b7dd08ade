import type { Handler, Request } from './connection.js';
import { invalid, notFound } from './status.js';
import type { StorageNode } from './storage-node.js';
import { Cmd, decodeGroupFile, decodeListStorageRequest, encodeFetchResponse, encodeGroupStat, encodeStorageStat, encodeStoreAllResponse, encodeStoreOneResponse, GROUP_NAME_SIZE, type IpFieldSize, parseRemoteFilename, StorageStatus } from 'fastdfs-protocol';

/*
 * The tracker of a one-group, one-storage cluster: every answer names the embedded storage.
 * Body length checks and error statuses follow tracker/tracker_service.c (6.16.1).
 */

/** FDFS_VERSION, as the storage reports it in LIST_STORAGE. */
export const FDFS_VERSION = '6.16.1';
/** upload_priority default in storage.conf. */
const UPLOAD_PRIORITY = 10;

/** The group field that starts a request body (callers have checked its length). */
const groupOf = (body: Buffer): string => decodeGroupFile(body).group;

export function trackerHandlers(node: StorageNode): (cmd: number) => Handler | undefined {
  const { options } = node;
  const ipSize = options.ipAddrSize as IpFieldSize;
  const small = options.maxSmallBody;
  const address = () => ({ host: options.sourceIp, port: node.storagePort });

  /** 101/106 take no body, 104/107 exactly group[16] (tracker_service.c 3096-3117); a foreign group is ENOENT. */
  const queryStore = (withGroup: boolean, all: boolean): Handler => async (req: Request) => {
    const body = await req.body(small);
    if (body.length !== (withGroup ? GROUP_NAME_SIZE : 0)) throw invalid(`query store: body of ${body.length} bytes`);
    if (withGroup && groupOf(body) !== options.groupName) throw notFound(`no group ${groupOf(body)}`);
    const target = { group: options.groupName, storePathIndex: 0 };
    return {
      body: all
        ? encodeStoreAllResponse({ ...target, storages: [address()] }, ipSize)
        : encodeStoreOneResponse({ ...target, ...address() }, ipSize),
    };
  };

  /**
   * 102/103/105: 16 + 22 <= body < 16 + 128 (tracker_service.c 3008-3029), unknown group ENOENT
   * (tracker_mem.c 6207-6214). The real tracker does not check that the file exists; it does
   * not validate the name either, but this one answers EINVAL for a name no storage could serve.
   */
  const queryFetch: Handler = async (req) => {
    const body = await req.body(small);
    if (body.length < GROUP_NAME_SIZE + 22 || body.length >= GROUP_NAME_SIZE + 128) {
      throw invalid(`query fetch: body of ${body.length} bytes`);
    }
    const group = groupOf(body);
    if (group !== options.groupName) throw notFound(`no group ${group}`);
    try {
      parseRemoteFilename(group, body.subarray(GROUP_NAME_SIZE).toString('latin1'));
    } catch (err) {
      throw invalid((err as Error).message);
    }
    return { body: encodeFetchResponse({ group, storages: [address()] }, ipSize) };
  };

  /** 90 takes exactly group[16] (3464-3489), 91 nothing (3525-3536). */
  const listGroups = (one: boolean): Handler => async (req) => {
    const body = await req.body(small);
    if (body.length !== (one ? GROUP_NAME_SIZE : 0)) throw invalid(`list groups: body of ${body.length} bytes`);
    if (one && groupOf(body) !== options.groupName) throw notFound(`no group ${groupOf(body)}`);
    const disk = await node.store.diskSpace();
    return {
      body: encodeGroupStat({
        group: options.groupName,
        totalMb: disk.totalMb,
        freeMb: disk.freeMb,
        reservedMb: 0,
        trunkFreeMb: 0,
        storageCount: 1,
        storagePort: node.storagePort,
        readableServerCount: 1,
        writableServerCount: 1,
        currentWriteServer: 0,
        storePathCount: 1,
        subdirCountPerPath: options.subdirCountPerPath,
        currentTrunkFileId: -1, // CONVERT_CURRENT_TRUNK_FILE_ID: -1 without trunk files (3455-3456)
      }),
    };
  };

  /** 92: group[16] + optional storage id < 16 bytes (2466-2480); unknown group or id ENOENT (2485-2493, 2555-2559). */
  const listStorage: Handler = async (req) => {
    const body = await req.body(small);
    // The codec rejects (ProtocolError → EINVAL) a body shorter than a group or with an id of 16+ bytes.
    const { group, storageId = '' } = decodeListStorageRequest(body);
    if (group !== options.groupName) throw notFound(`no group ${group}`);
    // Without storage ids (use_storage_id=false) a storage's id is its IP address. An id field
    // that is present but empty names no storage either.
    if (body.length > GROUP_NAME_SIZE && storageId !== options.sourceIp) throw notFound(`no storage ${storageId}`);
    const disk = await node.store.diskSpace();
    const counters = { ...node.state.counters, lastHeartBeatTime: Math.floor(Date.now() / 1000) };
    return {
      body: encodeStorageStat({
        status: StorageStatus.ACTIVE,
        rwMode: 6,
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
      }, ipSize),
    };
  };

  const table: Record<number, Handler> = {
    [Cmd.QUERY_STORE_WITHOUT_GROUP_ONE]: queryStore(false, false),
    [Cmd.QUERY_STORE_WITH_GROUP_ONE]: queryStore(true, false),
    [Cmd.QUERY_STORE_WITHOUT_GROUP_ALL]: queryStore(false, true),
    [Cmd.QUERY_STORE_WITH_GROUP_ALL]: queryStore(true, true),
    [Cmd.QUERY_FETCH_ONE]: queryFetch,
    [Cmd.QUERY_UPDATE]: queryFetch,
    [Cmd.QUERY_FETCH_ALL]: queryFetch,
    [Cmd.SERVER_LIST_ONE_GROUP]: listGroups(true),
    [Cmd.SERVER_LIST_ALL_GROUPS]: listGroups(false),
    [Cmd.SERVER_LIST_STORAGE]: listStorage,
  };
  return (cmd) => table[cmd];
}
