/*
 * 102 QUERY_FETCH_ONE, 103 QUERY_UPDATE, 105 QUERY_FETCH_ALL (tracker_service.c 2992-3081):
 * body group[16] + filename, 16 + 22 <= body < 16 + 128 (3008-3029), else EINVAL; unknown group
 * ENOENT (tracker_mem.c 6207-6214). The real tracker does not check that the file exists; it
 * does not validate the name either, but this one answers EINVAL for a name no storage could serve.
 */
import { decodeFetchRequest, encodeFetchResponse, parseRemoteFilename } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { invalid, notFound } from '../status.js';
import { storageAddress } from '../storage-node.js';

export const queryFetch: Handler = async (req, node) => {
  const { options } = node;
  const body = await req.body.all(options.maxSmallBody);
  const { group, filename } = decodeFetchRequest(body);
  if (group !== options.groupName) throw notFound(`no group ${group}`);
  try {
    parseRemoteFilename(group, filename);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  return { body: encodeFetchResponse({ group, storages: [storageAddress(node)] }, options.ipAddrSize) };
};
