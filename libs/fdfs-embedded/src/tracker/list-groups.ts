/*
 * 90 SERVER_LIST_ONE_GROUP, 91 SERVER_LIST_ALL_GROUPS (tracker_service.c 3458-3514, 3516-3599):
 * 90 takes exactly group[16] (3464-3489), 91 nothing (3525-3536), else EINVAL; a foreign group is
 * ENOENT. One 113-byte group record either way, with the real disk numbers from statfs.
 */
import { Cmd, decodeEmptyRequest, decodeGroupRequest, encodeGroupStat } from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { notFound } from '../status.js';

export const listGroups: Handler = async (req, node) => {
  const { options } = node;
  const one = req.cmd === Cmd.SERVER_LIST_ONE_GROUP;
  const body = await req.body.all(options.maxSmallBody);
  if (!one) decodeEmptyRequest(body, 'list groups');
  const group = one ? decodeGroupRequest(body, 'list groups') : options.groupName;
  if (group !== options.groupName) throw notFound(`no group ${group}`);
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
