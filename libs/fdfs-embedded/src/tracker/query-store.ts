/*
 * 101 QUERY_STORE_WITHOUT_GROUP_ONE, 104 QUERY_STORE_WITH_GROUP_ONE, 106 QUERY_STORE_WITHOUT_GROUP_ALL,
 * 107 QUERY_STORE_WITH_GROUP_ALL (tracker_service.c 3083-3453): 101/106 take no body, 104/107
 * exactly group[16] (3096-3117), else EINVAL; a foreign group is ENOENT. The answer is always the
 * embedded storage, store path 0.
 */
import {
  Cmd,
  decodeEmptyRequest,
  decodeGroupRequest,
  encodeStoreAllResponse,
  encodeStoreOneResponse,
} from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { notFound } from '../status.js';
import { storageAddress } from '../storage-node.js';

export const queryStore: Handler = async (req, node) => {
  const { options } = node;
  const withGroup = req.cmd === Cmd.QUERY_STORE_WITH_GROUP_ONE || req.cmd === Cmd.QUERY_STORE_WITH_GROUP_ALL;
  const all = req.cmd === Cmd.QUERY_STORE_WITHOUT_GROUP_ALL || req.cmd === Cmd.QUERY_STORE_WITH_GROUP_ALL;
  const body = await req.body.all(options.maxSmallBody);
  if (!withGroup) decodeEmptyRequest(body, 'query store');
  const group = withGroup ? decodeGroupRequest(body, 'query store') : options.groupName;
  if (group !== options.groupName) throw notFound(`no group ${group}`);
  const target = { group: options.groupName, storePathIndex: 0 };
  const ipSize = options.ipAddrSize;
  return {
    body: all
      ? encodeStoreAllResponse({ ...target, storages: [storageAddress(node)] }, ipSize)
      : encodeStoreOneResponse({ ...target, ...storageAddress(node) }, ipSize),
  };
};
