import { Cmd } from 'fastdfs-protocol';
import { activeTest } from '../server/active-test.js';
import type { CommandTable } from '../server/handler.js';
import { listGroups } from './list-groups.js';
import { listStorage } from './list-storage.js';
import { queryFetch } from './query-fetch.js';
import { queryStore } from './query-store.js';

/**
 * The tracker's client-facing commands (tracker_deal_task, tracker_service.c 4326-4518), each in
 * the file of its name. The tracker of a one-group, one-storage cluster: every answer names the
 * embedded storage. 82 QUIT is the request loop's; any other code is EINVAL (4500-4507).
 */
export const TRACKER_COMMANDS: CommandTable = {
  [Cmd.QUERY_STORE_WITHOUT_GROUP_ONE]: queryStore,
  [Cmd.QUERY_STORE_WITH_GROUP_ONE]: queryStore,
  [Cmd.QUERY_STORE_WITHOUT_GROUP_ALL]: queryStore,
  [Cmd.QUERY_STORE_WITH_GROUP_ALL]: queryStore,
  [Cmd.QUERY_FETCH_ONE]: queryFetch,
  [Cmd.QUERY_UPDATE]: queryFetch,
  [Cmd.QUERY_FETCH_ALL]: queryFetch,
  [Cmd.SERVER_LIST_ONE_GROUP]: listGroups,
  [Cmd.SERVER_LIST_ALL_GROUPS]: listGroups,
  [Cmd.SERVER_LIST_STORAGE]: listStorage,
  [Cmd.ACTIVE_TEST]: activeTest,
};
