/**
 * Response DECODING against golden responses captured from a real FastDFS 6.16.1
 * (tracker 127.0.0.2:22222, storage 127.0.0.1:23100, response_ip_addr_size = auto → 16-byte IPs).
 * The capture script spoke raw sockets; see test/fixtures/fastdfs/real-6.16.1/*.json.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, StatusError, buildSlaveFilename, decodeFileId } from 'fastdfs-protocol';
import {
  Cmd,
  StorageStatus,
  decodeFetchResponse,
  decodeFileInfoResponse,
  decodeGroupFile,
  decodeGroupStats,
  decodeHeader,
  decodeStorageStats,
  decodeStoreAllResponse,
  decodeStoreOneResponse,
  unpackMetadata,
} from 'fastdfs-protocol';
import { hex, real, type RealExchange } from '../../helpers/golden.js';

const ALL = [
  'tracker-111-active-test',
  'storage-111-active-test',
  'tracker-101-query-store-one',
  'tracker-104-query-store-group1',
  'tracker-104-query-store-nosuch-group',
  'tracker-106-query-store-all',
  'tracker-107-query-store-all-group1',
  'tracker-102-query-fetch-one',
  'tracker-103-query-update',
  'tracker-105-query-fetch-all',
  'tracker-90-list-one-group',
  'tracker-91-list-all-groups',
  'tracker-92-list-storage-group',
  'tracker-92-list-storage-by-id',
  'tracker-92-list-storage-unknown-id',
  'storage-11-upload',
  'storage-11-upload-empty',
  'storage-23-upload-appender',
  'storage-24-append',
  'storage-34-modify',
  'storage-36-truncate',
  'storage-38-regenerate',
  'storage-21-upload-slave',
  'storage-13-set-metadata-overwrite',
  'storage-13-set-metadata-merge',
  'storage-15-get-metadata',
  'storage-15-get-metadata-none',
  'storage-22-query-file-info',
  'storage-22-query-file-info-appender',
  'storage-22-query-file-info-slave',
  'storage-14-download-range',
  'storage-14-download-empty',
  'storage-12-delete',
  'storage-12-delete-missing',
];

/** The decoded response header, checked against the body that followed it. */
function ok(x: RealExchange): Buffer {
  expect(decodeHeader(x.resHeader)).toEqual({ bodyLength: x.resBody.length, cmd: Cmd.RESP, status: 0 });
  return x.resBody;
}

function failed(x: RealExchange): StatusError {
  const h = decodeHeader(x.resHeader);
  expect(h.cmd).toBe(100);
  expect(h.bodyLength).toBe(0);
  expect(x.resBody.length).toBe(0);
  return new StatusError(h.status, x.name, x.server);
}

const STORAGE = { host: '127.0.0.1', port: 23100 };
// 1795250037 = 0x6b015775 = 2026-11-21T08:33:57Z, the second the capture ran (the host clock).
const CAPTURE_TS = 0x6b015775;

describe('every captured exchange has a well-formed header pair', () => {
  it.each(ALL)('%s', (name) => {
    const x = real(name);
    const req = decodeHeader(x.reqHeader);
    expect(req).toEqual({ bodyLength: x.reqBody.length, cmd: x.cmd, status: 0 });
    const res = decodeHeader(x.resHeader);
    expect(res.cmd).toBe(Cmd.RESP);
    expect(res.bodyLength).toBe(x.resBody.length);
  });
});

describe('tracker responses', () => {
  it('111 ACTIVE_TEST (tracker and storage): empty body, status 0', () => {
    expect(ok(real('tracker-111-active-test')).length).toBe(0);
    expect(ok(real('storage-111-active-test')).length).toBe(0);
  });

  it.each(['tracker-101-query-store-one', 'tracker-104-query-store-group1'])('%s: 40-byte store target', (name) => {
    const body = ok(real(name));
    expect(body).toEqual(
      hex('67726f7570310000 0000000000000000 | 3132372e302e302e31 000000000000 | 0000000000005a3c | 00'),
    );
    expect(decodeStoreOneResponse(body)).toEqual({ group: 'group1', ...STORAGE, storePathIndex: 0 });
  });

  it('104 for an unknown group: status 2 → FDFS_ERR_NOT_FOUND', () => {
    const err = failed(real('tracker-104-query-store-nosuch-group'));
    expect(err.status).toBe(2);
    expect(err.code).toBe(ErrorCode.NOT_FOUND);
  });

  it.each(['tracker-106-query-store-all', 'tracker-107-query-store-all-group1'])(
    '%s: one storage → 16 + 23 + 1 bytes',
    (name) => {
      const body = ok(real(name));
      expect(body.length).toBe(40);
      expect(decodeStoreAllResponse(body)).toEqual({ group: 'group1', storages: [STORAGE], storePathIndex: 0 });
    },
  );

  it.each(['tracker-102-query-fetch-one', 'tracker-103-query-update', 'tracker-105-query-fetch-all'])(
    '%s: 39 bytes',
    (name) => {
      const body = ok(real(name));
      expect(body).toEqual(
        hex('67726f7570310000 0000000000000000 | 3132372e302e302e31 000000000000 | 0000000000005a3c'),
      );
      expect(decodeFetchResponse(body)).toEqual({ group: 'group1', storages: [STORAGE] });
    },
  );

  it.each(['tracker-90-list-one-group', 'tracker-91-list-all-groups'])('%s: one 113-byte TrackerGroupStat', (name) => {
    const body = ok(real(name));
    expect(body.length).toBe(113);
    expect(decodeGroupStats(body)).toEqual([
      {
        group: 'group1',
        totalMb: 258019, // 0x3efe3 at offset 17
        freeMb: 81278, // 0x13d7e at 25
        reservedMb: 2580, // 0xa14 at 33 (reserved_storage_space = 1%)
        trunkFreeMb: 0,
        storageCount: 1,
        storagePort: 23100,
        readableServerCount: 1,
        writableServerCount: 1,
        currentWriteServer: 0,
        storePathCount: 1, // storage.conf store_path_count = 1
        subdirCountPerPath: 256, // subdir_count_per_path = 256
        currentTrunkFileId: -1, // use_trunk_file = false: ffffffffffffffff
      },
    ]);
    expect(body.subarray(105)).toEqual(hex('ffffffffffffffff'));
  });

  it.each(['tracker-92-list-storage-group', 'tracker-92-list-storage-by-id'])(
    '%s: one 487-byte TrackerStorageStatIPv4',
    (name) => {
      const body = ok(real(name));
      expect(body.length).toBe(487);
      const [stat, ...rest] = decodeStorageStats(body);
      expect(rest).toEqual([]);
      expect(stat).toMatchObject({
        status: StorageStatus.ACTIVE,
        rwMode: 6,
        id: '127.0.0.1',
        ip: '127.0.0.1',
        srcId: '',
        version: '6.16.1',
        totalMb: 258019,
        freeMb: 81278,
        reservedMb: 2580,
        uploadPriority: 10,
        storePathCount: 1,
        subdirCountPerPath: 256,
        currentWritePath: 0,
        storagePort: 23100,
        ifTrunkServer: false,
      });
      expect(stat?.domainName).toBeUndefined();
      expect(stat?.storageHttpPort).toBeUndefined();
      // Offsets from the notes (§3.5), read independently of the decoder.
      expect(body[0]).toBe(7);
      expect(body[1]).toBe(6);
      expect(stat?.joinTime).toBe(Number(body.readBigInt64BE(58)));
      expect(stat?.upTime).toBe(Number(body.readBigInt64BE(66)));
      expect(stat?.joinTime).toBeGreaterThan(1_700_000_000);
      expect(stat?.counters.connectionAllocCount).toBe(body.readInt32BE(138));
      expect(stat?.counters.connectionMaxCount).toBe(body.readInt32BE(146));
      expect(stat?.counters.totalUploadCount).toBe(Number(body.readBigInt64BE(150)));
      expect(stat?.counters.lastHeartBeatTime).toBe(Number(body.readBigInt64BE(150 + 41 * 8)));
      expect(stat?.counters.lastHeartBeatTime).toBeGreaterThanOrEqual(stat?.upTime ?? Infinity);
      expect(body[486]).toBe(0);
    },
  );

  it('92 with an unknown storage id: status 2', () => {
    const err = failed(real('tracker-92-list-storage-unknown-id'));
    expect([err.status, err.code]).toEqual([2, 'FDFS_ERR_NOT_FOUND']);
  });
});

describe('storage responses', () => {
  const upload = real('storage-11-upload');
  const uploaded = decodeGroupFile(ok(upload));

  it('11 upload: group[16] + remote filename whose name encodes the upload', () => {
    expect(uploaded).toEqual({ group: 'group1', filename: 'M00/00/00/fwAAAWsBV3WASeS4AAAAGvgueTY328.txt' });
    const info = decodeFileId(`${uploaded.group}/${uploaded.filename}`);
    expect(info).toMatchObject({
      type: 'normal',
      trunk: false,
      sourceId: 0,
      sourceIp: '127.0.0.1',
      createTimestamp: CAPTURE_TS,
      fileSize: 26,
      crc32: 0xf82e7936,
      ext: 'txt',
      storePathIndex: 0,
      subdirHigh: 0,
      subdirLow: 0,
    });
    // the crc32 in the name is zlib's CRC-32 of the content
    expect(info.crc32).toBe(upload.context.crc32);
    expect(info.fileSize).toBe(upload.context.size);
  });

  it('11 upload of a 0-byte file succeeds with size 0 in the name', () => {
    const f = decodeGroupFile(ok(real('storage-11-upload-empty')));
    expect(decodeFileId(`${f.group}/${f.filename}`)).toMatchObject({
      type: 'normal',
      fileSize: 0,
      crc32: 0,
      ext: 'dat',
    });
  });

  it('14 download of a 0-byte file: status 22 → FDFS_ERR_INVALID_REQUEST', () => {
    const err = failed(real('storage-14-download-empty'));
    expect([err.status, err.code]).toEqual([22, 'FDFS_ERR_INVALID_REQUEST']);
  });

  it('14 download range (offset 8, 6 bytes): the raw bytes', () => {
    expect(ok(real('storage-14-download-range')).toString()).toBe('golden');
  });

  it('13 set metadata (O and M): empty body', () => {
    expect(ok(real('storage-13-set-metadata-overwrite')).length).toBe(0);
    expect(ok(real('storage-13-set-metadata-merge')).length).toBe(0);
  });

  it('15 get metadata: the merged records, sorted by name by the storage', () => {
    const body = ok(real('storage-15-get-metadata'));
    expect(body.toString('latin1')).toBe('author\x02golden\x01camera\x02x100\x01height\x02600\x01width\x021024');
    const meta = unpackMetadata(body);
    expect(meta).toEqual({ author: 'golden', camera: 'x100', height: '600', width: '1024' });
    expect(Object.keys(meta)).toEqual(['author', 'camera', 'height', 'width']);
  });

  it('15 get metadata of a deleted file (so no metadata file either): status 2', () => {
    expect(failed(real('storage-15-get-metadata-none')).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('22 query file info, normal file: 40 bytes, crc32 sign-extended on the wire', () => {
    const body = ok(real('storage-22-query-file-info'));
    expect(body).toEqual(
      hex('000000000000001a | 000000006b015775 | fffffffff82e7936 | 3132372e302e302e3100000000000000'),
    );
    expect(decodeFileInfoResponse(body)).toEqual({
      fileSize: 26,
      createTimestamp: CAPTURE_TS,
      crc32: 0xf82e7936,
      sourceIp: '127.0.0.1',
    });
  });

  it('22 query file info, appender file: the storage computes the crc32 of the current content', () => {
    const x = real('storage-22-query-file-info-appender');
    const content = Buffer.from(x.context.content as string, 'hex');
    expect(content.toString()).toBe('APPENDER part one #0\npart');
    expect(decodeFileInfoResponse(ok(x))).toEqual({
      fileSize: 25,
      createTimestamp: CAPTURE_TS,
      crc32: 0xcdcb2151,
      sourceIp: '127.0.0.1',
    });
    expect(x.context.crc32).toBe(0xcdcb2151);
  });

  it('22 query file info, slave file', () => {
    const x = real('storage-22-query-file-info-slave');
    expect(decodeFileInfoResponse(ok(x))).toEqual({
      fileSize: 12,
      createTimestamp: CAPTURE_TS,
      crc32: 0x8507c899,
      sourceIp: '127.0.0.1',
    });
    expect(x.context.crc32).toBe(0x8507c899);
  });

  it('23 upload appender: an appender name (bit 58), size unknown from the name', () => {
    const f = decodeGroupFile(ok(real('storage-23-upload-appender')));
    expect(f).toEqual({ group: 'group1', filename: 'M00/00/00/fwAAAWsBV3WERD9yAAAAALdQmz8977.txt' });
    expect(decodeFileId(`${f.group}/${f.filename}`)).toMatchObject({
      type: 'appender',
      trunk: false,
      sourceIp: '127.0.0.1',
      createTimestamp: CAPTURE_TS,
      fileSize: -1,
      crc32: 0,
      ext: 'txt',
    });
  });

  it.each(['storage-24-append', 'storage-34-modify', 'storage-36-truncate', 'storage-12-delete'])(
    '%s: empty body, status 0',
    (name) => {
      expect(ok(real(name)).length).toBe(0);
    },
  );

  it('38 regenerate: a normal name carrying the appender content size and crc32', () => {
    const x = real('storage-38-regenerate');
    const f = decodeGroupFile(ok(x));
    expect(f).toEqual({ group: 'group1', filename: 'M00/00/00/fwAAAWsBV3WAe9vQAAAAGc3LIVE977.txt' });
    expect(decodeFileId(`${f.group}/${f.filename}`)).toMatchObject({
      type: 'normal',
      fileSize: 25,
      crc32: 0xcdcb2151,
      ext: 'txt',
      sourceIp: '127.0.0.1',
    });
  });

  it('21 upload slave: master name minus ".txt" + "_small" + ".txt", as buildSlaveFilename predicts', () => {
    const f = decodeGroupFile(ok(real('storage-21-upload-slave')));
    expect(f).toEqual({ group: 'group1', filename: 'M00/00/00/fwAAAWsBV3WASeS4AAAAGvgueTY328_small.txt' });
    expect(buildSlaveFilename(uploaded.filename, '_small', 'txt')).toBe(f.filename);
    expect(decodeFileId(`${f.group}/${f.filename}`)).toMatchObject({
      type: 'slave',
      fileSize: -1,
      crc32: 0,
      ext: 'txt',
      sourceIp: '127.0.0.1',
      createTimestamp: CAPTURE_TS,
    });
  });

  it('12 delete of a missing file: status 2', () => {
    const err = failed(real('storage-12-delete-missing'));
    expect([err.status, err.code, err.retriable]).toEqual([2, 'FDFS_ERR_NOT_FOUND', false]);
  });
});
