/**
 * Hostile and broken bodies: truncated, trailing bytes, lengths that fit no layout, negative lengths.
 * Every one must become a ProtocolError (code FDFS_ERR_PROTOCOL), never a RangeError or a wrong value.
 * Also: the QUERY_FILE_INFO crc32 sign extension and the errno → code mapping of StatusError.
 */
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  FdfsError,
  StatusError,
  Decoder,
  decodeAppenderFixed,
  decodeDownloadRequest,
  decodeFetchResponse,
  decodeFileInfoResponse,
  decodeGroupFile,
  decodeGroupStats,
  decodeHeader,
  decodeListStorageRequest,
  decodeSetMetadataRequest,
  decodeSlaveFixed,
  decodeStorageStats,
  decodeStoreAllResponse,
  decodeStoreOneResponse,
  decodeUploadHead,
  encodeFileInfoResponse,
  unpackMetadata,
} from 'fastdfs-protocol';
import { cat, expectProtocolError, field, hex, real } from '../../helpers/golden.js';

const { u8, i64, str, raw } = field;
const STORE_ONE = real('tracker-101-query-store-one').resBody; // 40 bytes
const FETCH_ONE = real('tracker-102-query-fetch-one').resBody; // 39 bytes
const GROUP_STAT = real('tracker-90-list-one-group').resBody; // 113 bytes
const STORAGE_STAT = real('tracker-92-list-storage-group').resBody; // 487 bytes
const FILE_INFO = real('storage-22-query-file-info').resBody; // 40 bytes
const FILENAME = 'M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin';

const shorter = (b: Buffer, n = 1) => b.subarray(0, b.length - n);
const longer = (b: Buffer, n = 1) => Buffer.concat([b, Buffer.alloc(n, 0x41)]);

describe('header', () => {
  it('negative body length (int64 -1) → ProtocolError', () => {
    expectProtocolError(() => decodeHeader(hex('ffffffffffffffff 64 00')), /invalid body length -1/);
  });

  it('the most negative int64 → ProtocolError', () => {
    expectProtocolError(() => decodeHeader(hex('8000000000000000 64 00')));
  });

  it('a length beyond 2^53 → ProtocolError', () => {
    expectProtocolError(() => decodeHeader(hex('0020000000000000 64 00')));
  });

  it('fewer than 10 bytes → ProtocolError', () => {
    expectProtocolError(() => decodeHeader(hex('000000000000000064')));
    expectProtocolError(() => decodeHeader(hex('ff | 00000000000000006400'), 2));
  });
});

describe('truncated bodies and trailing bytes', () => {
  it.each([
    ['query store one', () => decodeStoreOneResponse(shorter(STORE_ONE))],
    ['query store one + 1', () => decodeStoreOneResponse(longer(STORE_ONE))],
    [
      'query store one, 46-byte layout − 1 (69)',
      () => decodeStoreOneResponse(cat(str('g', 16), str('::1', 45), i64(1))),
    ],
    ['query store all: group only', () => decodeStoreAllResponse(cat(str('g', 16), u8(0)))],
    ['query store all: + 1', () => decodeStoreAllResponse(longer(STORE_ONE))],
    ['query fetch − 1', () => decodeFetchResponse(shorter(FETCH_ONE))],
    ['query fetch + 1', () => decodeFetchResponse(longer(FETCH_ONE))],
    ['query fetch: group only (no storage)', () => decodeFetchResponse(str('group1', 16))],
    ['query fetch: empty', () => decodeFetchResponse(Buffer.alloc(0))],
    ['group stat − 1', () => decodeGroupStats(shorter(GROUP_STAT))],
    ['group stat + 1', () => decodeGroupStats(longer(GROUP_STAT))],
    ['group stat, 104 bytes', () => decodeGroupStats(Buffer.alloc(104))],
    ['storage stat − 1', () => decodeStorageStats(shorter(STORAGE_STAT))],
    ['storage stat + 1', () => decodeStorageStats(longer(STORAGE_STAT))],
    ['storage stat, 1 byte', () => decodeStorageStats(Buffer.alloc(1))],
    ['file info − 1', () => decodeFileInfoResponse(shorter(FILE_INFO))],
    ['file info + 1', () => decodeFileInfoResponse(longer(FILE_INFO))],
    ['file info, 71 bytes', () => decodeFileInfoResponse(Buffer.alloc(71))],
    ['file info, empty', () => decodeFileInfoResponse(Buffer.alloc(0))],
    ['group + filename, 15 bytes', () => decodeGroupFile(Buffer.alloc(15))],
    ['upload head, 14 bytes', () => decodeUploadHead(Buffer.alloc(14))],
    ['slave head, 37 bytes', () => decodeSlaveFixed(Buffer.alloc(37))],
    ['append head, 15 bytes', () => decodeAppenderFixed(Buffer.alloc(15), 1)],
    ['modify head, 23 bytes', () => decodeAppenderFixed(Buffer.alloc(23), 2)],
    ['download request, 31 bytes', () => decodeDownloadRequest(Buffer.alloc(31))],
    ['list storage request, 15 bytes', () => decodeListStorageRequest(Buffer.alloc(15))],
    [
      'list storage request, 16-byte id (server needs < 16)',
      () => decodeListStorageRequest(cat(str('group1', 16), raw('0123456789abcdef'))),
    ],
    [
      'set metadata, filename cut short',
      () => decodeSetMetadataRequest(cat(i64(44), i64(0), raw('O'), str('group1', 16), raw(FILENAME.slice(0, 43)))),
    ],
    [
      'set metadata, metadata cut short',
      () => decodeSetMetadataRequest(cat(i64(44), i64(5), raw('O'), str('group1', 16), raw(FILENAME), raw('a\x02b'))),
    ],
    [
      'set metadata, trailing byte',
      () => decodeSetMetadataRequest(cat(i64(44), i64(3), raw('O'), str('group1', 16), raw(FILENAME), raw('a\x02b!'))),
    ],
    ['set metadata, 32 bytes', () => decodeSetMetadataRequest(Buffer.alloc(32))],
    [
      'set metadata, filename_len 2^40',
      () => decodeSetMetadataRequest(cat(i64(2 ** 40), i64(0), raw('O'), str('group1', 16))),
    ],
  ])('%s → ProtocolError', (_what, decode) => {
    expectProtocolError(decode);
  });

  it('a storage stat body fitting no record size names the known sizes', () => {
    expectProtocolError(() => decodeStorageStats(Buffer.alloc(500)), /487, 517, 509, 644, 612, 642/);
  });

  it('a group stat body fitting no record size says so', () => {
    expectProtocolError(() => decodeGroupStats(Buffer.alloc(200)), /not a multiple of 113 or 105/);
  });

  it('a file info body of neither 40 nor 70 bytes names both layouts', () => {
    expectProtocolError(
      () => decodeFileInfoResponse(Buffer.alloc(41)),
      /41 bytes is neither the 16-byte-IP \(40\) nor the 46-byte-IP \(70\)/,
    );
  });

  it('storage port 0 or 65536, or an empty address, in a query response → ProtocolError', () => {
    expectProtocolError(() => decodeFetchResponse(cat(str('group1', 16), str('10.0.0.1', 15), i64(0))), /port 0/);
    expectProtocolError(
      () => decodeFetchResponse(cat(str('group1', 16), str('10.0.0.1', 15), i64(65536))),
      /port 65536/,
    );
    expectProtocolError(
      () => decodeStoreOneResponse(cat(str('group1', 16), str('', 15), i64(23000), u8(0))),
      /empty storage address/,
    );
    expectProtocolError(() => decodeFetchResponse(cat(str('group1', 16), str('10.0.0.1', 15), i64(-23000))));
  });

  it('an int64 beyond 2^53 in a numeric field → ProtocolError', () => {
    const body = cat(i64(2n ** 60n), i64(0), i64(0), str('1.2.3.4', 16));
    expectProtocolError(() => decodeFileInfoResponse(body), /out of the safe integer range/);
  });

  it('Decoder: reads past the end and leftovers', () => {
    const d = new Decoder(hex('0102'), 'probe');
    expectProtocolError(() => d.readInt32(), /probe: need 4 bytes at offset 0, have 2/);
    expect(d.readUInt8()).toBe(1);
    expectProtocolError(() => d.end(), /probe: 1 unexpected trailing bytes/);
    expect(d.readUInt8()).toBe(2);
    d.end();
    expectProtocolError(() => d.readUInt8());
  });

  // Regression (bug at 5cfe357, decoder.ts 16-25, fixed in 38ff1cd): take(n) did not reject a negative n,
  // so a negative length field read with readBytes() moved the cursor BACKWARDS instead of failing.
  // The C storage rejects filename_len <= 0 and meta_bytes < 0 with EINVAL (storage_service.c 3201-3232).
  it('set metadata with a negative filename length → ProtocolError', () => {
    // filename_len -1, meta_size 1: at 5cfe357 the decoder stepped back into the group field and "succeeded".
    const body = cat(i64(-1), i64(1), raw('O'), str('group1', 16));
    expectProtocolError(() => decodeSetMetadataRequest(body));
  });

  it('set metadata with a negative meta size → ProtocolError', () => {
    const body = cat(i64(44), i64(-44), raw('O'), str('group1', 16), raw(FILENAME));
    expectProtocolError(() => decodeSetMetadataRequest(body));
  });

  it('Decoder.readBytes(-1) → ProtocolError', () => {
    expectProtocolError(() => new Decoder(hex('0102'), 'probe').skip(1).readBytes(-1));
  });
});

describe('QUERY_FILE_INFO crc32 sign extension (storage_service.c 3405-3444: an int passed to long2buff)', () => {
  it('crc 0xFFFFFFFE sent as int64 -2 decodes to 4294967294', () => {
    const body = cat(i64(10), i64(1700000000), hex('fffffffffffffffe'), str('10.0.0.1', 16));
    expect(decodeFileInfoResponse(body).crc32).toBe(4294967294);
  });

  it('the encoder reproduces the sign extension', () => {
    const bytes = encodeFileInfoResponse({
      fileSize: 10,
      createTimestamp: 1700000000,
      crc32: 0xfffffffe,
      sourceIp: '10.0.0.1',
    });
    expect(bytes.subarray(16, 24)).toEqual(hex('fffffffffffffffe'));
  });

  it('a zero-extended crc (a server that does not sign-extend) decodes the same', () => {
    const body = cat(i64(10), i64(1700000000), hex('00000000fffffffe'), str('10.0.0.1', 16));
    expect(decodeFileInfoResponse(body).crc32).toBe(4294967294);
  });

  it('crc 0 and 0x7FFFFFFF stay as they are', () => {
    expect(decodeFileInfoResponse(cat(i64(0), i64(0), i64(0), str('', 16))).crc32).toBe(0);
    expect(decodeFileInfoResponse(cat(i64(0), i64(0), i64(0x7fffffff), str('', 16))).crc32).toBe(0x7fffffff);
  });
});

describe('metadata parsing follows fdfs_split_metadata_ex (tracker/tracker_proto.c 318-394)', () => {
  it('ignores a trailing record separator and empty records', () => {
    expect(unpackMetadata(Buffer.from('a\x021\x01\x01b\x022\x01'))).toEqual({ a: '1', b: '2' });
  });

  it('keeps a value that contains another field separator (split at the first one)', () => {
    expect(unpackMetadata(Buffer.from('a\x021\x022'))).toEqual({ a: '1\x022' });
  });

  // Regression (bug at 5cfe357, storage/metadata.ts 50-53, fixed in 38ff1cd): a record with no \x02
  // became `name: ''`; the C parser skips such rows (`if (pSeperator == NULL) continue;`, tracker_proto.c 363-367).
  it('skips a record without a field separator', () => {
    expect(unpackMetadata(Buffer.from('a\x021\x01junk\x01b\x022'))).toEqual({ a: '1', b: '2' });
  });
});

describe('StatusError: errno → code, keeping .status', () => {
  it.each([
    [2, ErrorCode.NOT_FOUND, 'FDFS_ERR_NOT_FOUND', false],
    [22, ErrorCode.INVALID_REQUEST, 'FDFS_ERR_INVALID_REQUEST', false],
    [28, ErrorCode.NO_SPACE, 'FDFS_ERR_NO_SPACE', false],
    [17, ErrorCode.ALREADY_EXISTS, 'FDFS_ERR_ALREADY_EXISTS', false],
    [1, ErrorCode.PERMISSION, 'FDFS_ERR_PERMISSION', false],
    [11, ErrorCode.BUSY, 'FDFS_ERR_BUSY', true],
    [110, ErrorCode.SERVER_TIMEOUT, 'FDFS_ERR_SERVER_TIMEOUT', true],
    [200, ErrorCode.SERVER, 'FDFS_ERR_SERVER', false],
    [255, ErrorCode.SERVER, 'FDFS_ERR_SERVER', false],
  ])('status %i → %s', (status, code, literal, retriable) => {
    const err = new StatusError(status, 'download', '127.0.0.1:23100');
    expect(err).toBeInstanceOf(StatusError);
    expect(err).toBeInstanceOf(FdfsError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.code).toBe(literal);
    expect(err.status).toBe(status);
    expect(err.retriable).toBe(retriable);
    expect(err.name).toBe('StatusError');
    expect(err.operation).toBe('download');
    expect(err.address).toBe('127.0.0.1:23100');
    expect(err.message).toContain(`(status ${status})`);
    expect(err.message).toContain('download failed on 127.0.0.1:23100');
  });

  it('statuses from the captured real responses', () => {
    const status = (name: string) => decodeHeader(real(name).resHeader).status;
    expect(new StatusError(status('storage-12-delete-missing'), 'delete', 's').code).toBe('FDFS_ERR_NOT_FOUND');
    expect(new StatusError(status('storage-14-download-empty'), 'download', 's').code).toBe('FDFS_ERR_INVALID_REQUEST');
    expect(new StatusError(status('tracker-104-query-store-nosuch-group'), 'query store', 't').code).toBe(
      'FDFS_ERR_NOT_FOUND',
    );
  });
});
