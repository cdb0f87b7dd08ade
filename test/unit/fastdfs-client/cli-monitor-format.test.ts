import { describe, expect, it } from 'vitest';
import { CONNECTION_FIELDS, type GroupStat, STAT_FIELDS, type StorageStat, storageStatusName } from 'fastdfs-protocol';
import {
  formatAllStorages,
  formatGroups,
  formatStorages,
} from '../../../libs/fastdfs-client-ts/src/cli/monitor-format.js';
import { formatLocalTime } from '../../../libs/fastdfs-client-ts/src/cli/human.js';

const group: GroupStat = {
  group: 'group1',
  totalMb: 258_048,
  freeMb: 80_896,
  reservedMb: 2560,
  trunkFreeMb: 0,
  storageCount: 2,
  storagePort: 23000,
  readableServerCount: 1,
  writableServerCount: 1,
  currentWriteServer: 0,
  storePathCount: 1,
  subdirCountPerPath: 256,
  currentTrunkFileId: -1,
};

function storage(overrides: Partial<StorageStat>, counters: Partial<StorageStat['counters']> = {}): StorageStat {
  const zero = Object.fromEntries([...CONNECTION_FIELDS, ...STAT_FIELDS].map((f) => [f, 0]));
  return {
    status: 7,
    rwMode: 6,
    id: '100001',
    ip: '10.0.0.1',
    srcId: '',
    version: '6.16.1',
    joinTime: 1_700_000_000,
    upTime: 0,
    totalMb: 1000,
    freeMb: 100,
    reservedMb: 200,
    uploadPriority: 10,
    storePathCount: 1,
    subdirCountPerPath: 256,
    currentWritePath: 0,
    storagePort: 23000,
    ifTrunkServer: false,
    ...overrides,
    counters: { ...(zero as StorageStat['counters']), ...counters },
  };
}

describe('fdfs_monitor’s text', () => {
  it('names every storage status as get_storage_status_caption does', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 9, 8, 99].map(storageStatusName)).toEqual([
      'INIT',
      'WAIT_SYNC',
      'SYNCING',
      'IP_CHANGED',
      'DELETED',
      'OFFLINE',
      'ONLINE',
      'ACTIVE',
      'RECOVERY',
      'UNKNOWN',
      'UNKNOWN',
    ]);
  });

  it('prints a group summary with human sizes and available = free - reserved', () => {
    expect(formatGroups([group])).toBe(
      [
        'group count: 1',
        '',
        'Group 1:',
        'group name = group1',
        'disk total space     =  252 GB',
        'disk free space      =   79 GB',
        'disk reserved space  =  2.5 GB',
        'disk available space =   77 GB', // 76.5 rounds half up
        'storage server count = 2',
        'readable server count = 1',
        'writable server count = 1',
        'storage server port = 23000',
        'store path count = 1',
        'subdir count per path = 256',
        'current write server index = 0',
        '',
      ].join('\n'),
    );
  });

  it('prints each storage with its state, dates, space and counters, and the sync delay', () => {
    const a = storage({ upTime: 1_700_000_100 }, { lastSourceUpdate: 1_700_000_500, totalDownloadBytes: 42 });
    const b = storage(
      { id: '100002', ip: 'fe80::1', status: 5, rwMode: 4, reservedMb: 0 },
      { lastSyncedTimestamp: 1_700_000_380, connectionMaxCount: 3 },
    );
    const text = formatStorages(group, [a, b]);
    const lines = text.split('\n');
    expect(lines.slice(12, 19)).toEqual([
      '',
      '\tStorage 1:',
      '\t\tid = 100001',
      '\t\thost = 10.0.0.1:23000  ACTIVE',
      '\t\tread write mode = both (normal)',
      '\t\tversion = 6.16.1',
      `\t\tjoin time = ${formatLocalTime(1_700_000_000)}`,
    ]);
    expect(text).toContain(`\t\tup time = ${formatLocalTime(1_700_000_100)}\n`);
    expect(text).toContain('\t\tdisk available space =    0  B\n'); // reserved > free
    expect(text).toContain('\t\tstotal_download_bytes = 42\n\t\tsuccess_download_bytes = 0\n');
    // a is the newest source update; it has never synced from b (whose last update is 0)
    expect(text).toContain(`last_synced_timestamp = ${formatLocalTime(0)} \n\tStorage 2:\n`);
    expect(text).toContain('\t\thost = [fe80::1]:23000  OFFLINE\n\t\tread write mode = readonly\n');
    expect(text).toContain('\t\tup time = \n');
    expect(text).toContain('\t\tconnection.max_count = 3\n');
    expect(text.endsWith(`last_synced_timestamp = ${formatLocalTime(1_700_000_380)} (2 minutes delay)\n`)).toBe(true);
    expect(lines.filter((l) => l.startsWith('\t\t'))).toHaveLength(2 * 61);
  });

  it('shows the trunk lines when the group uses trunk files, and numbers every group', () => {
    const trunked = { ...group, currentTrunkFileId: 7, trunkFreeMb: 64 };
    const text = formatAllStorages([
      { group: trunked, storages: [storage({ ifTrunkServer: true })] },
      { group: { ...group, group: 'group2' }, storages: [] },
    ]);
    expect(text).toMatch(/^group count: 2\n\nGroup 1:\ngroup name = group1\n/);
    expect(text).toContain('trunk free space =   64 MB\nstorage server count');
    expect(text).toContain('current trunk server = 100001 (10.0.0.1)\ncurrent trunk file id = 7\n\n\tStorage 1:');
    expect(text).toContain('\nGroup 2:\ngroup name = group2\n');
  });
});
