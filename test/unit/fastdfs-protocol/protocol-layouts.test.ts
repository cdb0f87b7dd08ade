/**
 * Response layouts the running 6.16.1 peer does not send, built field by field here:
 *  - 46-byte IP fields (FastDFS 6.11–6.13 always, 6.15+ with IPv6 storage ids; notes §3.1);
 *  - legacy group stat (105 bytes, 5.x–6.12) and storage stat (612 / 642 / 644 / 509 bytes; 517 = 46-byte IPs).
 * Then encode → decode round trips for the server-side encoders.
 */
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_FIELDS,
  GROUP_STAT_SIZE,
  GROUP_STAT_SIZE_LEGACY,
  IP_SIZE_V4,
  IP_SIZE_V6,
  STAT_FIELDS,
  STORAGE_STAT_SIZES,
  type GroupStat,
  type StorageCounters,
  type StorageStat,
  decodeFetchResponse,
  decodeFileInfoResponse,
  decodeGroupStats,
  decodeSetMetadataRequest,
  decodeStorageStats,
  decodeStoreAllResponse,
  decodeStoreOneResponse,
  encodeFetchResponse,
  encodeFileInfoResponse,
  encodeGroupStat,
  encodeSetMetadataRequest,
  encodeStorageStat,
  encodeStoreAllResponse,
  encodeStoreOneResponse,
  packMetadata,
  storeOneLength,
  unpackMetadata,
} from 'fastdfs-protocol';
import { cat, field, hex } from '../../helpers/golden.js';

const { u8, i32, i64, str } = field;
const V6 = '2001:db8:85a3::8a2e:370:7334';

describe('46-byte IP layouts', () => {
  it('query store ONE: 70 bytes = group[16] + ip[45] + port + store_path_index', () => {
    const body = cat(str('group2', 16), str(V6, 45), i64(23000), u8(3));
    expect(body.length).toBe(70);
    expect(storeOneLength(IP_SIZE_V6)).toBe(70);
    expect(storeOneLength(IP_SIZE_V4)).toBe(40);
    expect(decodeStoreOneResponse(body)).toEqual({ group: 'group2', host: V6, port: 23000, storePathIndex: 3 });
  });

  it('query store ONE: an IPv4 address in a 46-byte field (6.11–6.13 servers)', () => {
    const body = cat(str('group1', 16), str('192.168.0.196', 45), i64(23000), u8(0));
    expect(decodeStoreOneResponse(body)).toEqual({
      group: 'group1',
      host: '192.168.0.196',
      port: 23000,
      storePathIndex: 0,
    });
  });

  it('query FETCH ONE: 69 bytes', () => {
    const body = cat(str('group1', 16), str(V6, 45), i64(23000));
    expect(body.length).toBe(69);
    expect(decodeFetchResponse(body)).toEqual({ group: 'group1', storages: [{ host: V6, port: 23000 }] });
  });

  it('FETCH_ALL with 2 storages, 46-byte IPs: 16 + 2 × 53 = 122 bytes', () => {
    const body = cat(str('group1', 16), str(V6, 45), i64(23000), str('fd00::2', 45), i64(23001));
    expect(body.length).toBe(122);
    expect(decodeFetchResponse(body)).toEqual({
      group: 'group1',
      storages: [
        { host: V6, port: 23000 },
        { host: 'fd00::2', port: 23001 },
      ],
    });
  });

  it('FETCH_ALL with 2 storages, 16-byte IPs: 16 + 2 × 23 = 62 bytes', () => {
    const body = cat(str('group1', 16), str('10.0.0.1', 15), i64(23000), str('10.0.0.2', 15), i64(23001));
    expect(body.length).toBe(62);
    expect(decodeFetchResponse(body)).toEqual({
      group: 'group1',
      storages: [
        { host: '10.0.0.1', port: 23000 },
        { host: '10.0.0.2', port: 23001 },
      ],
    });
  });

  it('STORE_ALL with 2 storages: 16-byte (63 bytes) and 46-byte (123 bytes) IPs', () => {
    const v4 = cat(str('group1', 16), str('10.0.0.1', 15), i64(23000), str('10.0.0.2', 15), i64(23001), u8(1));
    expect(v4.length).toBe(63);
    expect(decodeStoreAllResponse(v4)).toEqual({
      group: 'group1',
      storages: [
        { host: '10.0.0.1', port: 23000 },
        { host: '10.0.0.2', port: 23001 },
      ],
      storePathIndex: 1,
    });
    const v6 = cat(str('group1', 16), str(V6, 45), i64(23000), str('fd00::2', 45), i64(23001), u8(255));
    expect(v6.length).toBe(123);
    expect(decodeStoreAllResponse(v6)).toEqual({
      group: 'group1',
      storages: [
        { host: V6, port: 23000 },
        { host: 'fd00::2', port: 23001 },
      ],
      storePathIndex: 255,
    });
  });

  it('QUERY_FILE_INFO: 70 bytes = 3 × int64 + ip[46]', () => {
    const body = cat(i64(1234), i64(1700000000), i64(0x12345678), str(V6, 46));
    expect(body.length).toBe(70);
    expect(decodeFileInfoResponse(body)).toEqual({
      fileSize: 1234,
      createTimestamp: 1700000000,
      crc32: 0x12345678,
      sourceIp: V6,
    });
  });

  it('a 45-char IP fills its field with no NUL', () => {
    const ip = '0000:1111:2222:3333:4444:5555:6666:777.88.999'; // 45 chars, only the width matters
    expect(ip.length).toBe(45);
    expect(decodeFetchResponse(cat(str('group1', 16), str(ip, 45), i64(1))).storages[0]?.host).toBe(ip);
  });
});

describe('group stat layouts', () => {
  it('113 bytes (6.13.1+), field by field', () => {
    const body = cat(
      str('group1', 17),
      i64(100),
      i64(90),
      i64(5),
      i64(7),
      i64(2),
      i64(23000),
      i64(2),
      i64(1),
      i64(1),
      i64(2),
      i64(256),
      i64(-1),
    );
    expect(body.length).toBe(GROUP_STAT_SIZE);
    expect(decodeGroupStats(body)).toEqual([
      {
        group: 'group1',
        totalMb: 100,
        freeMb: 90,
        reservedMb: 5,
        trunkFreeMb: 7,
        storageCount: 2,
        storagePort: 23000,
        readableServerCount: 2,
        writableServerCount: 1,
        currentWriteServer: 1,
        storePathCount: 2,
        subdirCountPerPath: 256,
        currentTrunkFileId: -1,
      },
    ]);
  });

  it('legacy 105 bytes (5.x–6.12): http port and active count, no reserved_mb', () => {
    const body = cat(
      // name[17], total, free, trunk_free, count, port, http_port, active, current_write, paths, subdirs, trunk_file_id
      str('group9', 17),
      i64(2000),
      i64(1500),
      i64(64),
      i64(3),
      i64(23000),
      i64(8888),
      i64(2),
      i64(1),
      i64(1),
      i64(256),
      i64(12),
    );
    expect(body.length).toBe(GROUP_STAT_SIZE_LEGACY);
    expect(decodeGroupStats(body)).toEqual([
      {
        group: 'group9',
        totalMb: 2000,
        freeMb: 1500,
        reservedMb: 0,
        trunkFreeMb: 64,
        storageCount: 3,
        storagePort: 23000,
        storageHttpPort: 8888,
        readableServerCount: 2,
        writableServerCount: 2,
        currentWriteServer: 1,
        storePathCount: 1,
        subdirCountPerPath: 256,
        currentTrunkFileId: 12,
      },
    ]);
  });

  it('two legacy records (210 bytes) and two modern ones (226 bytes)', () => {
    const legacy = (name: string) => cat(str(name, 17), ...Array.from({ length: 11 }, (_, i) => i64(i + 1)));
    const stats = decodeGroupStats(cat(legacy('g1'), legacy('g2')));
    expect(stats.map((s) => [s.group, s.storageHttpPort, s.currentTrunkFileId])).toEqual([
      ['g1', 6, 11],
      ['g2', 6, 11],
    ]);
    const modern = (name: string) => cat(str(name, 17), ...Array.from({ length: 12 }, (_, i) => i64(i + 1)));
    const m = decodeGroupStats(cat(modern('a'), modern('b')));
    expect(m.map((s) => [s.group, s.reservedMb, s.currentTrunkFileId, s.storageHttpPort])).toEqual([
      ['a', 3, 12, undefined],
      ['b', 3, 12, undefined],
    ]);
  });

  it('a 16-char group name followed by the NUL of group_name[17]', () => {
    const body = cat(str('abcdefghijklmnop', 17), ...Array.from({ length: 12 }, () => i64(0)));
    expect(decodeGroupStats(body)[0]?.group).toBe('abcdefghijklmnop');
  });

  it('an empty body is an empty list', () => {
    expect(decodeGroupStats(Buffer.alloc(0))).toEqual([]);
  });
});

/** Distinct counter values so a shifted field shows. */
function counters(): StorageCounters {
  const c = {} as StorageCounters;
  CONNECTION_FIELDS.forEach((name, i) => {
    c[name] = 101 + i;
  });
  STAT_FIELDS.forEach((name, i) => {
    c[name] = 1_000_000 + i;
  });
  return c;
}

function statBuff(c: StorageCounters): Buffer {
  return cat(...CONNECTION_FIELDS.map((n) => i32(c[n])), ...STAT_FIELDS.map((n) => i64(c[n])));
}

interface StatSpec {
  rwMode?: number; // present in 6.13+
  ipSize: number;
  legacy: boolean; // domain_name[128] and storage_http_port
  versionSize: number;
  reservedMb?: number; // present in 6.13.1+
}

/** TrackerStorageStat, built field by field (notes §3.5 and the old layouts it lists). */
function storageStatBytes(spec: StatSpec, c: StorageCounters): Buffer {
  const parts: Buffer[] = [u8(7)];
  if (spec.rwMode !== undefined) parts.push(u8(spec.rwMode));
  parts.push(str('100001', 16), str('10.0.0.7', spec.ipSize));
  if (spec.legacy) parts.push(str('storage7.example.com', 128));
  parts.push(str('100002', 16), str(spec.versionSize === 6 ? '5.12' : '6.12.2', spec.versionSize));
  parts.push(i64(1600000000), i64(1600000100), i64(500000), i64(400000));
  if (spec.reservedMb !== undefined) parts.push(i64(spec.reservedMb));
  parts.push(i64(10), i64(2), i64(256), i64(1), i64(23000));
  if (spec.legacy) parts.push(i64(8888));
  parts.push(statBuff(c), u8(1));
  return cat(...parts);
}

describe('storage stat layouts', () => {
  const c = counters();
  const common = {
    status: 7,
    id: '100001',
    ip: '10.0.0.7',
    srcId: '100002',
    joinTime: 1600000000,
    upTime: 1600000100,
    totalMb: 500000,
    freeMb: 400000,
    uploadPriority: 10,
    storePathCount: 2,
    subdirCountPerPath: 256,
    currentWritePath: 1,
    storagePort: 23000,
    ifTrunkServer: true,
    counters: c,
  };

  it('stat_buff is 3 × int32 + 42 × int64 = 348 bytes', () => {
    expect(CONNECTION_FIELDS.length).toBe(3);
    expect(STAT_FIELDS.length).toBe(42);
    expect(statBuff(c).length).toBe(348);
    expect([...STORAGE_STAT_SIZES].sort((a, b) => a - b)).toEqual([487, 509, 517, 612, 642, 644]);
  });

  it.each([
    ['487: 6.13.1+, 16-byte IP', { rwMode: 4, ipSize: 16, legacy: false, versionSize: 8, reservedMb: 33 }, 487],
    ['517: 6.13.1+, 46-byte IP', { rwMode: 2, ipSize: 46, legacy: false, versionSize: 8, reservedMb: 44 }, 517],
    ['509: 6.13.0, 46-byte IP, no reserved_mb', { rwMode: 6, ipSize: 46, legacy: false, versionSize: 8 }, 509],
  ] as Array<[string, StatSpec, number]>)('%s', (_what, spec, size) => {
    const body = storageStatBytes(spec, c);
    expect(body.length).toBe(size);
    expect(decodeStorageStats(body)).toEqual([
      {
        ...common,
        rwMode: spec.rwMode,
        version: '6.12.2',
        reservedMb: spec.reservedMb ?? 0,
      },
    ]);
  });

  it.each([
    ['612: 5.x–6.10, ip[16], version[6]', { ipSize: 16, legacy: true, versionSize: 6 }, 612, '5.12'],
    ['642: 6.11.0, ip[46], version[6]', { ipSize: 46, legacy: true, versionSize: 6 }, 642, '5.12'],
    ['644: 6.12, ip[46], version[8]', { ipSize: 46, legacy: true, versionSize: 8 }, 644, '6.12.2'],
  ] as Array<[string, StatSpec, number, string]>)('legacy %s', (_what, spec, size, version) => {
    const body = storageStatBytes(spec, c);
    expect(body.length).toBe(size);
    expect(decodeStorageStats(body)).toEqual([
      {
        ...common,
        rwMode: 6,
        version,
        reservedMb: 0,
        domainName: 'storage7.example.com',
        storageHttpPort: 8888,
      },
    ]);
  });

  it('two 487-byte records', () => {
    const one = storageStatBytes({ rwMode: 6, ipSize: 16, legacy: false, versionSize: 8, reservedMb: 1 }, c);
    const stats = decodeStorageStats(cat(one, one));
    expect(stats.length).toBe(2);
    expect(stats[1]?.counters).toEqual(c);
  });

  it('an empty body is an empty list', () => {
    expect(decodeStorageStats(Buffer.alloc(0))).toEqual([]);
  });
});

describe('round trips through the server-side encoders', () => {
  it('encodeStoreOneResponse → decodeStoreOneResponse, both IP widths, exact bytes', () => {
    const target = { group: 'group1', host: '127.0.0.1', port: 23100, storePathIndex: 0 };
    const v4 = encodeStoreOneResponse(target, IP_SIZE_V4);
    expect(v4).toEqual(
      hex('67726f7570310000 0000000000000000 | 3132372e302e302e31 000000000000 | 0000000000005a3c | 00'),
    );
    expect(decodeStoreOneResponse(v4)).toEqual(target);
    const v6 = encodeStoreOneResponse({ ...target, host: V6, storePathIndex: 9 }, IP_SIZE_V6);
    expect(v6.length).toBe(70);
    expect(decodeStoreOneResponse(v6)).toEqual({ ...target, host: V6, storePathIndex: 9 });
  });

  it('encodeStoreAllResponse → decodeStoreAllResponse', () => {
    const targets = {
      group: 'g',
      storages: [
        { host: '1.2.3.4', port: 1 },
        { host: '5.6.7.8', port: 65535 },
      ],
      storePathIndex: 2,
    };
    for (const size of [IP_SIZE_V4, IP_SIZE_V6] as const) {
      expect(decodeStoreAllResponse(encodeStoreAllResponse(targets, size))).toEqual(targets);
    }
  });

  it('encodeFetchResponse → decodeFetchResponse, 1 and 3 storages, both IP widths', () => {
    const one = { group: 'group1', storages: [{ host: '127.0.0.1', port: 23100 }] };
    expect(encodeFetchResponse(one, IP_SIZE_V4)).toEqual(
      hex('67726f7570310000 0000000000000000 | 3132372e302e302e31 000000000000 | 0000000000005a3c'),
    );
    const three = {
      group: 'group1',
      storages: [
        { host: 'a', port: 1 },
        { host: V6, port: 2 },
        { host: '10.1.1.1', port: 3 },
      ],
    };
    for (const size of [IP_SIZE_V4, IP_SIZE_V6] as const) {
      expect(decodeFetchResponse(encodeFetchResponse(one, size))).toEqual(one);
    }
    expect(decodeFetchResponse(encodeFetchResponse(three, IP_SIZE_V6))).toEqual(three);
  });

  it('encodeGroupStat → decodeGroupStats', () => {
    const stat: GroupStat = {
      group: 'abcdefghijklmnop',
      totalMb: 2 ** 40,
      freeMb: 12345,
      reservedMb: 99,
      trunkFreeMb: 0,
      storageCount: 3,
      storagePort: 23000,
      readableServerCount: 3,
      writableServerCount: 2,
      currentWriteServer: 1,
      storePathCount: 4,
      subdirCountPerPath: 256,
      currentTrunkFileId: -1,
    };
    const bytes = encodeGroupStat(stat);
    expect(bytes.length).toBe(113);
    expect(bytes.subarray(0, 17)).toEqual(hex('6162636465666768696a6b6c6d6e6f70 00'));
    expect(decodeGroupStats(Buffer.concat([bytes, bytes]))).toEqual([stat, stat]);
  });

  it('encodeStorageStat → decodeStorageStats (487 and 517 bytes)', () => {
    const stat: StorageStat = {
      status: 7,
      rwMode: 6,
      id: '127.0.0.1',
      ip: '127.0.0.1',
      srcId: '',
      version: '6.16.1',
      joinTime: 1795249782,
      upTime: 1795249798,
      totalMb: 258019,
      freeMb: 81278,
      reservedMb: 2580,
      uploadPriority: 10,
      storePathCount: 1,
      subdirCountPerPath: 256,
      currentWritePath: 0,
      storagePort: 23100,
      ifTrunkServer: false,
      counters: counters(),
    };
    const v4 = encodeStorageStat(stat);
    expect(v4.length).toBe(487);
    expect(v4.subarray(0, 2)).toEqual(hex('07 06'));
    expect(v4.subarray(50, 58)).toEqual(hex('362e31362e310000')); // version[8] "6.16.1"
    expect(v4.readInt32BE(138)).toBe(101);
    expect(decodeStorageStats(v4)).toEqual([stat]);
    const v6 = encodeStorageStat({ ...stat, ip: V6, ifTrunkServer: true }, IP_SIZE_V6);
    expect(v6.length).toBe(517);
    expect(decodeStorageStats(v6)).toEqual([{ ...stat, ip: V6, ifTrunkServer: true }]);
  });

  it('encodeFileInfoResponse → decodeFileInfoResponse, both IP widths', () => {
    const info = { fileSize: 26, createTimestamp: 0x6b015775, crc32: 0xf82e7936, sourceIp: '127.0.0.1' };
    // identical to what the real 6.16.1 storage sent (storage-22-query-file-info.json)
    expect(encodeFileInfoResponse(info)).toEqual(
      hex('000000000000001a | 000000006b015775 | fffffffff82e7936 | 3132372e302e302e3100000000000000'),
    );
    expect(decodeFileInfoResponse(encodeFileInfoResponse(info))).toEqual(info);
    const v6 = encodeFileInfoResponse({ ...info, sourceIp: V6, crc32: 0x7fffffff }, IP_SIZE_V6);
    expect(v6.length).toBe(70);
    expect(v6.subarray(16, 24)).toEqual(hex('000000007fffffff'));
    expect(decodeFileInfoResponse(v6)).toEqual({ ...info, sourceIp: V6, crc32: 0x7fffffff });
  });

  it('packMetadata → unpackMetadata', () => {
    const meta = { width: '1024', height: '768', 'a-b_c.d': '', note: 'café ✓', empty: '' };
    const packed = packMetadata(meta);
    expect(packed.subarray(0, 11)).toEqual(hex('7769647468 02 31303234 01')); // "width\x021024\x01"
    expect(packed.at(-1)).not.toBe(0x01); // no trailing separator
    expect(unpackMetadata(packed)).toEqual(meta);
    expect(packMetadata({})).toEqual(Buffer.alloc(0));
    expect(unpackMetadata(Buffer.alloc(0))).toEqual({});
  });

  it('unpackMetadata truncates names to 64 and values to 256 bytes (FDFS_MAX_META_NAME_LEN / VALUE_LEN)', () => {
    const name = 'n'.repeat(70);
    const value = 'v'.repeat(300);
    expect(unpackMetadata(Buffer.from(`${name}\x02${value}`))).toEqual({ ['n'.repeat(64)]: 'v'.repeat(256) });
  });

  it('packMetadata refuses separators and empty names', () => {
    expect(() => packMetadata({ 'a\x01': 'b' })).toThrow(/separator/);
    expect(() => packMetadata({ a: 'b\x02c' })).toThrow(/separator/);
    expect(() => packMetadata({ '': 'x' })).toThrow(/empty/);
  });

  it('encodeSetMetadataRequest → decodeSetMetadataRequest', () => {
    const req = {
      group: 'group1',
      filename: 'M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin',
      metadata: packMetadata({ k: 'v' }),
    };
    for (const mode of ['overwrite', 'merge'] as const) {
      expect(decodeSetMetadataRequest(encodeSetMetadataRequest({ ...req, mode }))).toEqual({ ...req, mode });
    }
  });
});
