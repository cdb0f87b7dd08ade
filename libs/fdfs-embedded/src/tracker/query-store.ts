/*
 * 101 QUERY_STORE_WITHOUT_GROUP_ONE, 104 QUERY_STORE_WITH_GROUP_ONE, 106 QUERY_STORE_WITHOUT_GROUP_ALL,
 * 107 QUERY_STORE_WITH_GROUP_ALL (tracker_service.c 3083-3453): 101/106 take no body, 104/107
 * exactly group[16] (3096-3117), else EINVAL; a foreign group is ENOENT. The answer is always the
 * embedded storage, store path 0.
 */
import {
  Cmd,
  decodeGroupFile,
  encodeStoreAllResponse,
  encodeStoreOneResponse,
  GROUP_NAME_SIZE,
} from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { invalid, notFound } from '../status.js';
import { storageAddress } from '../storage-node.js';

export const queryStore: Handler = async (req, node) => {
  const { options } = node;
  const withGroup = req.cmd === Cmd.QUERY_STORE_WITH_GROUP_ONE || req.cmd === Cmd.QUERY_STORE_WITH_GROUP_ALL;
  const all = req.cmd === Cmd.QUERY_STORE_WITHOUT_GROUP_ALL || req.cmd === Cmd.QUERY_STORE_WITH_GROUP_ALL;
  const body = await req.body.all(options.maxSmallBody);
  if (body.length !== (withGroup ? GROUP_NAME_SIZE : 0)) throw invalid(`query store: body of ${body.length} bytes`);
  const group = withGroup ? decodeGroupFile(body).group : options.groupName;
  if (group !== options.groupName) throw notFound(`no group ${group}`);
  const target = { group: options.groupName, storePathIndex: 0 };
  const ipSize = options.ipAddrSize;
  return {
    body: all
      ? encodeStoreAllResponse({ ...target, storages: [storageAddress(node)] }, ipSize)
      : encodeStoreOneResponse({ ...target, ...storageAddress(node) }, ipSize),
  };
};
