import { ErrorCode, FdfsError, NoTrackerError, type FdfsClient, type StorageStat } from 'fastdfs-client-ts';
import { StorageStatus, storageStatusName } from 'fastdfs-protocol';

export interface FdfsCheckTarget {
  /** One group; undefined: every group the tracker knows. */
  group?: string;
  /** One storage (its IP, and port when given); undefined: every storage of the groups. */
  storage?: { ip: string; port?: number };
}

export interface CheckedStorage {
  group: string;
  ip: string;
  port: number;
  status: string;
  /** ACTIVE on the tracker and answering ACTIVE_TEST itself. */
  ok: boolean;
  /** Why an ACTIVE storage does not count: it did not answer. */
  error?: string;
}

export interface FdfsCheckResult {
  ok: boolean;
  /** The one line monit prints: `OK group1 10.0.0.5:23000 ACTIVE`, `FAIL tracker ... unreachable: ...`. */
  line: string;
  storages: CheckedStorage[];
}

/**
 * Is the storage serving? monit_fdfs's question, asked as fdfs_monitor would: the tracker lists
 * the group's storages with their state; each storage checked must be ACTIVE there, and must
 * answer ACTIVE_TEST itself (the tracker learns of a dead storage only after its heartbeat
 * timeout). OK when every storage checked passes.
 */
export async function checkFdfs(
  client: FdfsClient,
  trackers: readonly string[],
  target: FdfsCheckTarget,
): Promise<FdfsCheckResult> {
  const tracker = trackers.join(',');
  let listed: Array<{ group: string; storages: StorageStat[] }>;
  try {
    const groups = target.group === undefined ? (await client.listGroups()).map((g) => g.group) : [target.group];
    listed = [];
    for (const group of groups) listed.push({ group, storages: await client.listStorages(group) });
  } catch (err) {
    if (err instanceof NoTrackerError) {
      // Each reason names its tracker (`cannot connect to 127.0.0.1:22122: ...`), or is prefixed with it.
      const why = err.attempts.map((a) =>
        err.attempts.length === 1 || a.error.message.includes(a.address)
          ? a.error.message
          : `${a.address}: ${a.error.message}`,
      );
      return fail(`FAIL tracker ${tracker} unreachable: ${why.join('; ')}`);
    }
    if (err instanceof FdfsError && err.code === ErrorCode.NOT_FOUND && target.group !== undefined) {
      return fail(`FAIL group ${target.group} unknown to tracker ${tracker}`);
    }
    return fail(`FAIL tracker ${tracker}: ${(err as Error).message}`);
  }
  if (listed.length === 0) return fail(`FAIL tracker ${tracker} has no groups`);

  const wanted = listed.flatMap(({ group, storages }) =>
    storages.filter((s) => matches(s, target.storage)).map((s) => ({ group, stat: s })),
  );
  if (wanted.length === 0) {
    const where = target.group === undefined ? 'any group' : `group ${target.group}`;
    if (target.storage === undefined) return fail(`FAIL ${where} has no storage`);
    const what = target.storage.port === undefined ? target.storage.ip : `${target.storage.ip}:${target.storage.port}`;
    const known = listed.flatMap(({ group, storages }) => storages.map((s) => `${group} ${s.ip}:${s.storagePort}`));
    return fail(`FAIL storage ${what} not in ${where} (storages: ${known.join(', ') || 'none'})`);
  }

  const storages = await Promise.all(wanted.map(({ group, stat }) => checkStorage(client, group, stat)));
  const ok = storages.every((s) => s.ok);
  // The failures first: a monitoring system shows the start of the line.
  const shown = [...storages.filter((s) => !s.ok), ...storages.filter((s) => s.ok)].map(describe);
  return { ok, line: `${ok ? 'OK' : 'FAIL'} ${shown.join(', ')}`, storages };
}

async function checkStorage(client: FdfsClient, group: string, stat: StorageStat): Promise<CheckedStorage> {
  const checked: CheckedStorage = {
    group,
    ip: stat.ip,
    port: stat.storagePort,
    status: storageStatusName(stat.status),
    ok: false,
  };
  if (stat.status !== StorageStatus.ACTIVE) return checked;
  try {
    await client.activeTest(`${stat.ip}:${stat.storagePort}`);
    checked.ok = true;
  } catch (err) {
    checked.error = (err as Error).message;
  }
  return checked;
}

function describe(s: CheckedStorage): string {
  const text = `${s.group} ${s.ip}:${s.port} ${s.status}`;
  return s.error === undefined ? text : `${text} but not answering: ${s.error}`;
}

function matches(stat: StorageStat, storage: FdfsCheckTarget['storage']): boolean {
  if (storage === undefined) return true;
  return stat.ip === storage.ip && (storage.port === undefined || stat.storagePort === storage.port);
}

function fail(line: string): FdfsCheckResult {
  return { ok: false, line, storages: [] };
}
