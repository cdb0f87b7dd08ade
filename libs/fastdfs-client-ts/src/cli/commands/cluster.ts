import {
  ErrorCode,
  FdfsError,
  type GroupStat,
  isGroupName,
  type StorageStat,
  storageStatusName,
} from 'fastdfs-protocol';
import type { FdfsClient } from '../../client.js';
import type { CommandSpec } from '../command.js';
import { UsageError } from '../errors.js';
import { formatAllStorages, formatGroups, formatStorages, rwModeName } from '../monitor-format.js';

export const groups: CommandSpec = {
  name: 'groups',
  synopsis: '',
  summary: 'list the groups (as fdfs_monitor)',
  details: `Prints each group's summary as fdfs_monitor does (sizes in KB/MB/GB of 1024).
--json: [{"group", "totalMb", "freeMb", "reservedMb", "trunkFreeMb", "storageCount", "storagePort",
"readableServerCount", "writableServerCount", "currentWriteServer", "storePathCount",
"subdirCountPerPath", "currentTrunkFileId"}...].`,
  flags: [],
  args: { min: 0, max: 0 },
  async run(ctx) {
    const list = await ctx.client().listGroups();
    if (ctx.json) ctx.printJson(list);
    else ctx.out(formatGroups(list).replace(/\n$/, ''));
    return 0;
  },
};

export const storages: CommandSpec = {
  name: 'storages',
  synopsis: '[<group>]',
  summary: 'list the storages of one or all groups',
  details: `Prints what "fdfs_monitor <conf> list [<group>]" prints: each group's summary, then each
storage with its state (ACTIVE, ONLINE, OFFLINE, ...), dates, space and counters.
--json: [{"group", "status", "statusName", "rwMode", "rwModeName", "id", "ip", "srcId", "version",
"joinTime", "upTime", "totalMb", "freeMb", "reservedMb", "uploadPriority", "storePathCount",
"subdirCountPerPath", "currentWritePath", "storagePort", "ifTrunkServer", "counters": {...}}...],
one entry per storage of every group listed; times are Unix seconds.`,
  flags: [],
  args: { min: 0, max: 1 },
  async run(ctx, [group]) {
    const client = ctx.client();
    if (group !== undefined && !isGroupName(group)) {
      throw new UsageError(`group ${JSON.stringify(group)} must be 1-16 letters or digits`, 'storages');
    }
    const wanted = group === undefined ? await client.listGroups() : [await oneGroup(client, group)];
    const listed: Array<{ group: GroupStat; storages: StorageStat[] }> = [];
    for (const g of wanted) listed.push({ group: g, storages: await client.listStorages(g.group) });
    if (ctx.json) {
      ctx.printJson(listed.flatMap(({ group: g, storages: list }) => list.map((s) => storageJson(g.group, s))));
    } else if (group !== undefined && listed[0] !== undefined) {
      ctx.out(formatStorages(listed[0].group, listed[0].storages).replace(/\n$/, ''));
    } else {
      ctx.out(formatAllStorages(listed).replace(/\n$/, ''));
    }
    return 0;
  },
};

function storageJson(group: string, s: StorageStat): Record<string, unknown> {
  return { group, ...s, statusName: storageStatusName(s.status), rwModeName: rwModeName(s.rwMode) };
}

/** The tracker answers ENOENT for a group it does not know: say which. */
async function oneGroup(client: FdfsClient, group: string): Promise<GroupStat> {
  try {
    return await client.listGroup(group);
  } catch (err) {
    if (err instanceof FdfsError && err.code === ErrorCode.NOT_FOUND) {
      throw new FdfsError(ErrorCode.NOT_FOUND, `no group ${JSON.stringify(group)} on the tracker`);
    }
    throw err;
  }
}
