import type { Connection } from '../net/connection.js';
import { ProtocolError } from '../errors.js';
import { Cmd, decodeFetchResponse, decodeGroupStats, decodeStorageStats, decodeStoreAllResponse, decodeStoreOneResponse, encodeGroup, encodeGroupFile, encodeListStorageRequest, type FetchTargets, type GroupFile, type GroupStat, type StorageStat, type StoreTarget, type StoreTargets } from 'fastdfs-protocol';

/** Tracker commands on one connection. `max` bounds the reply body read into memory. */

export async function queryStore(conn: Connection, max: number, group?: string): Promise<StoreTarget> {
  const body = await conn.request(
    group === undefined
      ? { cmd: Cmd.QUERY_STORE_WITHOUT_GROUP_ONE, operation: 'query store', maxResponseBody: max }
      : { cmd: Cmd.QUERY_STORE_WITH_GROUP_ONE, operation: 'query store', body: encodeGroup(group), maxResponseBody: max },
  );
  return decodeStoreOneResponse(body);
}

export async function queryStoreAll(conn: Connection, max: number, group?: string): Promise<StoreTargets> {
  const body = await conn.request(
    group === undefined
      ? { cmd: Cmd.QUERY_STORE_WITHOUT_GROUP_ALL, operation: 'query store all', maxResponseBody: max }
      : { cmd: Cmd.QUERY_STORE_WITH_GROUP_ALL, operation: 'query store all', body: encodeGroup(group), maxResponseBody: max },
  );
  return decodeStoreAllResponse(body);
}

export type FetchCmd = typeof Cmd.QUERY_FETCH_ONE | typeof Cmd.QUERY_UPDATE | typeof Cmd.QUERY_FETCH_ALL;

const FETCH_NAMES: Record<FetchCmd, string> = {
  [Cmd.QUERY_FETCH_ONE]: 'query fetch',
  [Cmd.QUERY_UPDATE]: 'query update',
  [Cmd.QUERY_FETCH_ALL]: 'query fetch all',
};

export async function queryFetch(conn: Connection, max: number, cmd: FetchCmd, file: GroupFile): Promise<FetchTargets> {
  const body = await conn.request({ cmd, operation: FETCH_NAMES[cmd], body: encodeGroupFile(file), maxResponseBody: max });
  const targets = decodeFetchResponse(body);
  if (targets.storages.length === 0 || (cmd !== Cmd.QUERY_FETCH_ALL && targets.storages.length !== 1)) {
    throw new ProtocolError(`${FETCH_NAMES[cmd]}: reply names ${targets.storages.length} storages`);
  }
  return targets;
}

export async function listGroups(conn: Connection, max: number): Promise<GroupStat[]> {
  const body = await conn.request({ cmd: Cmd.SERVER_LIST_ALL_GROUPS, operation: 'list groups', maxResponseBody: max });
  return decodeGroupStats(body);
}

export async function listGroup(conn: Connection, max: number, group: string): Promise<GroupStat> {
  const body = await conn.request({ cmd: Cmd.SERVER_LIST_ONE_GROUP, operation: 'list group', body: encodeGroup(group), maxResponseBody: max });
  const stats = decodeGroupStats(body);
  if (stats.length !== 1) throw new ProtocolError(`list group: reply holds ${stats.length} groups`);
  return stats[0] as GroupStat;
}

export async function listStorages(conn: Connection, max: number, group: string, storageId?: string): Promise<StorageStat[]> {
  const body = await conn.request({
    cmd: Cmd.SERVER_LIST_STORAGE, operation: 'list storages', body: encodeListStorageRequest(group, storageId), maxResponseBody: max,
  });
  return decodeStorageStats(body);
}

/** FDFS_PROTO_CMD_ACTIVE_TEST: works on trackers and storages alike. */
export async function activeTest(conn: Connection, max: number): Promise<void> {
  const body = await conn.request({ cmd: Cmd.ACTIVE_TEST, operation: 'active test', maxResponseBody: max });
  if (body.length !== 0) throw new ProtocolError(`active test: unexpected ${body.length}-byte reply`);
}
