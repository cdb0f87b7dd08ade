/**
 * ReadRouter (libs/fastdfs-client-ts/src/net/read-router.ts) without sockets: a scripted
 * LIST_STORAGE and a hand-moved clock. The tracker's rule (tracker_mem.c
 * tracker_mem_get_storage_by_filename) on names built by buildRemoteFilename.
 */
import { describe, expect, it } from 'vitest';
import {
  buildRemoteFilename,
  CONNECTION_FIELDS,
  parseFileId,
  type ParsedFileId,
  STAT_FIELDS,
  type StorageCounters,
  type StorageStat,
  StorageStatus,
} from 'fastdfs-protocol';
import { type DirectRoute, ReadRouter } from '../../../libs/fastdfs-client-ts/src/net/read-router.js';

const T0 = 1_800_000_000; // seconds
const DAY = 86_400;

function stat(ip: string, port: number, extra: Partial<StorageStat> & { lastSynced?: number } = {}): StorageStat {
  const counters = {} as StorageCounters;
  for (const name of [...CONNECTION_FIELDS, ...STAT_FIELDS]) counters[name] = 0;
  counters.lastSyncedTimestamp = extra.lastSynced ?? 0;
  return {
    status: StorageStatus.ACTIVE,
    rwMode: 6,
    id: ip,
    ip,
    srcId: '',
    version: '6.16.1',
    joinTime: 0,
    upTime: 0,
    totalMb: 0,
    freeMb: 0,
    reservedMb: 0,
    uploadPriority: 10,
    storePathCount: 1,
    subdirCountPerPath: 256,
    currentWritePath: 0,
    storagePort: port,
    ifTrunkServer: false,
    counters,
    ...extra,
  };
}

function file(source: string | number, createTimestamp: number, group = 'group1'): ParsedFileId {
  const name = buildRemoteFilename({
    source,
    createTimestamp,
    fileSize: 10,
    crc32: 0,
    ext: 'jpg',
    storePathIndex: 0,
    subdirHigh: 1,
    subdirLow: 2,
  });
  return parseFileId(`${group}/${name}`);
}

/** A router over `lists` (group → stats, or an Error to throw), its clock at T0, counting fetches. */
function router(lists: Record<string, StorageStat[] | Error>, ttl = 10_000, syncFileMaxDelay = DAY * 1000) {
  const clock = { now: T0 * 1000 };
  const fetched: string[] = [];
  const r = new ReadRouter(
    { ttl, syncFileMaxDelay },
    async (group) => {
      fetched.push(group);
      const list = lists[group];
      if (list instanceof Error) throw list;
      return list ?? [];
    },
    () => clock.now,
  );
  return { r, clock, fetched };
}

async function route(r: ReadRouter, f: ParsedFileId): Promise<DirectRoute | undefined> {
  return r.route(f);
}

describe('ReadRouter', () => {
  it('answers synchronously while the list is fresh, and fetches it again after the TTL', async () => {
    const { r, clock, fetched } = router({ group1: [stat('10.0.0.1', 23000)] });
    const f = file('10.0.0.1', T0);
    const first = r.route(f);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({ address: { host: '10.0.0.1', port: 23000 }, source: true });
    expect(r.route(f)).toEqual({ address: { host: '10.0.0.1', port: 23000 }, source: true });
    clock.now += 9_999;
    expect(r.route(f)).not.toBeInstanceOf(Promise);
    clock.now += 1;
    expect(r.route(f)).toBeInstanceOf(Promise);
    expect(fetched).toEqual(['group1', 'group1']);
  });

  it('one fetch per group at a time, shared by concurrent reads', async () => {
    const { r, fetched } = router({ group1: [stat('10.0.0.1', 23000)], group2: [stat('10.0.0.2', 23000)] });
    const routes = await Promise.all([
      route(r, file('10.0.0.1', T0)),
      route(r, file('10.0.0.1', T0)),
      route(r, file('10.0.0.2', T0, 'group2')),
      route(r, file('10.0.0.1', T0)),
    ]);
    expect(routes.map((x) => x?.address.host)).toEqual(['10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.1']);
    expect(fetched.sort()).toEqual(['group1', 'group2']);
  });

  it('a failed fetch sends reads to the tracker until the TTL, then is tried again', async () => {
    const lists: Record<string, StorageStat[] | Error> = { group1: new Error('no list') };
    const { r, clock, fetched } = router(lists);
    const f = file('10.0.0.1', T0);
    expect(await route(r, f)).toBeUndefined();
    expect(r.route(f)).toBeUndefined();
    lists.group1 = [stat('10.0.0.1', 23000)];
    clock.now += 10_000;
    expect(await route(r, f)).toMatchObject({ source: true });
    expect(fetched).toEqual(['group1', 'group1']);
  });

  it('forget() drops a group: the next read fetches its list', async () => {
    const { r, fetched } = router({ group1: [stat('10.0.0.1', 23000)] });
    const f = file('10.0.0.1', T0);
    await route(r, f);
    expect(r.route(f)).not.toBeInstanceOf(Promise);
    r.forget('group1');
    const again = r.route(f);
    expect(again).toBeInstanceOf(Promise);
    expect(await again).toMatchObject({ source: true });
    expect(fetched).toEqual(['group1', 'group1']);
  });

  it('keeps at most 256 groups, dropping the oldest', async () => {
    const lists: Record<string, StorageStat[]> = {};
    for (let g = 0; g < 300; g++) lists[`g${g}`] = [stat('10.0.0.1', 23000)];
    const { r, fetched } = router(lists);
    for (let g = 0; g < 300; g++) await route(r, file('10.0.0.1', T0, `g${g}`));
    expect(fetched).toHaveLength(300);
    // The 44 oldest were dropped (fetched again), the 256 newest are still cached.
    expect(r.route(file('10.0.0.1', T0, 'g299'))).not.toBeInstanceOf(Promise);
    expect(r.route(file('10.0.0.1', T0, 'g44'))).not.toBeInstanceOf(Promise);
    expect(r.route(file('10.0.0.1', T0, 'g43'))).toBeInstanceOf(Promise);
  });

  it('the file age against syncFileMaxDelay: old files round robin, young ones their source', async () => {
    const { r } = router({ group1: [stat('10.0.0.1', 23000), stat('10.0.0.2', 23000), stat('10.0.0.3', 23000)] });
    const hosts = async (f: ParsedFileId, n: number) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push((await route(r, f))?.address.host ?? '-');
      return out;
    };
    expect(await hosts(file('10.0.0.2', T0 - DAY + 1), 3)).toEqual(['10.0.0.2', '10.0.0.2', '10.0.0.2']);
    const old = await hosts(file('10.0.0.2', T0 - DAY - 1), 6);
    expect([...old].sort()).toEqual(['10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.2', '10.0.0.3', '10.0.0.3']);
  });

  it('only an ACTIVE storage with read permission is used', async () => {
    const { r } = router({
      group1: [
        stat('10.0.0.1', 23000, { status: StorageStatus.ONLINE }),
        stat('10.0.0.2', 23000, { rwMode: 2 }),
        stat('10.0.0.3', 23000, { rwMode: 4 }),
      ],
    });
    expect(await route(r, file('10.0.0.1', T0))).toBeUndefined();
    expect(await route(r, file('10.0.0.2', T0))).toBeUndefined();
    expect(await route(r, file('10.0.0.3', T0))).toMatchObject({ address: { host: '10.0.0.3' }, source: true });
    expect(await route(r, file('10.0.0.1', T0 - 2 * DAY))).toMatchObject({
      address: { host: '10.0.0.3' },
      source: false,
    });
  });

  it('two storages on the source IP: the name does not say which, so the tracker is asked', async () => {
    const { r } = router({ group1: [stat('10.0.0.1', 23000), stat('10.0.0.1', 23001)] });
    expect(await route(r, file('10.0.0.1', T0))).toBeUndefined();
  });

  it('a storage id in the name is matched against the storage ids, not the IPs', async () => {
    const { r } = router({
      group1: [stat('10.0.0.1', 23000, { id: '100001' }), stat('10.0.0.2', 23000, { id: '100002' })],
    });
    expect(await route(r, file(100002, T0))).toEqual({ address: { host: '10.0.0.2', port: 23000 }, source: true });
    expect(await route(r, file(100003, T0))).toBeUndefined();
  });

  it('a young file is also on a storage whose last_synced_timestamp is past its creation', async () => {
    const { r } = router({
      group1: [stat('10.0.0.1', 23000), stat('10.0.0.2', 23000, { lastSynced: T0 - 59 })],
    });
    const routes = [];
    for (let i = 0; i < 4; i++) routes.push(await route(r, file('10.0.0.1', T0 - 60)));
    expect(routes.map((x) => `${x?.address.host} ${x?.source}`).sort()).toEqual([
      '10.0.0.1 true',
      '10.0.0.1 true',
      '10.0.0.2 false',
      '10.0.0.2 false',
    ]);
    // Synced only up to the file's creation second: not yet.
    expect(await route(r, file('10.0.0.1', T0 - 59))).toMatchObject({ address: { host: '10.0.0.1' } });
    expect(await route(r, file('10.0.0.1', T0 - 59))).toMatchObject({ address: { host: '10.0.0.1' } });
  });
});
