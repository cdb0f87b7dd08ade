/**
 * Request ENCODING, command by command, against hand-written golden bytes derived from the layouts
 * in /work/shared/fastdfs-notes.md (§1-§4), then against the exact requests a real FastDFS 6.16.1
 * accepted (test/fixtures/fastdfs/real-6.16.1). Server-side request decoders are checked on the
 * same bytes.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, decodeFileId } from 'fastdfs-protocol';
import {
  Cmd,
  FILE_INFO_FLAG_KEEP_SILENCE,
  FILE_INFO_FLAG_NO_CRC32,
  HEADER_SIZE,
  META_MERGE,
  META_OVERWRITE,
  decodeAppenderFixed,
  decodeDownloadRequest,
  decodeGroupFile,
  decodeHeader,
  decodeListStorageRequest,
  decodeSetMetadataRequest,
  decodeSlaveFixed,
  decodeUploadHead,
  encodeAppendHead,
  encodeDownloadRequest,
  encodeGroup,
  encodeGroupFile,
  encodeHeader,
  encodeListStorageRequest,
  encodeModifyHead,
  encodeSetMetadataRequest,
  encodeSlaveHead,
  encodeTruncateRequest,
  encodeUploadHead,
  packMetadata,
} from 'fastdfs-protocol';
import { hex, real } from '../../helpers/golden.js';

// group[16] "group1", NUL-padded
const G1 = '67726f757031 00000000 00000000 0000';
// "M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin" (44 bytes): path | 27 base64 chars | ext part
const FN = '4d30302f30302f30302f | 66774141415773425536574145546575414141774f6344686e7a41 | 3235342e62696e';
const FILENAME = 'M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin';

describe('command codes (tracker/tracker_proto.h 19-107)', () => {
  it('has the FastDFS numbers', () => {
    expect(Cmd).toEqual({
      RESP: 100,
      QUIT: 82,
      ACTIVE_TEST: 111,
      SERVER_LIST_ONE_GROUP: 90,
      SERVER_LIST_ALL_GROUPS: 91,
      SERVER_LIST_STORAGE: 92,
      QUERY_STORE_WITHOUT_GROUP_ONE: 101,
      QUERY_FETCH_ONE: 102,
      QUERY_UPDATE: 103,
      QUERY_STORE_WITH_GROUP_ONE: 104,
      QUERY_FETCH_ALL: 105,
      QUERY_STORE_WITHOUT_GROUP_ALL: 106,
      QUERY_STORE_WITH_GROUP_ALL: 107,
      UPLOAD_FILE: 11,
      DELETE_FILE: 12,
      SET_METADATA: 13,
      DOWNLOAD_FILE: 14,
      GET_METADATA: 15,
      UPLOAD_SLAVE_FILE: 21,
      QUERY_FILE_INFO: 22,
      UPLOAD_APPENDER_FILE: 23,
      APPEND_FILE: 24,
      MODIFY_FILE: 34,
      TRUNCATE_FILE: 36,
      REGENERATE_APPENDER_FILENAME: 38,
    });
    expect(HEADER_SIZE).toBe(10);
    expect([META_OVERWRITE, META_MERGE]).toEqual([0x4f, 0x4d]);
    expect([FILE_INFO_FLAG_NO_CRC32, FILE_INFO_FLAG_KEEP_SILENCE]).toEqual([1, 2]);
  });
});

describe('header (10 bytes: int64 BE body length, cmd, status)', () => {
  it.each([
    ['101 QUERY_STORE_WITHOUT_GROUP_ONE, empty body', 0, 101, 0, '0000000000000000 65 00'],
    ['106 QUERY_STORE_WITHOUT_GROUP_ALL, empty body', 0, 106, 0, '0000000000000000 6a 00'],
    ['91 SERVER_LIST_ALL_GROUPS, empty body', 0, 91, 0, '0000000000000000 5b 00'],
    ['111 ACTIVE_TEST, empty body', 0, 111, 0, '0000000000000000 6f 00'],
    ['82 QUIT', 0, 82, 0, '0000000000000000 52 00'],
    ['104 with group[16]', 16, 104, 0, '0000000000000010 68 00'],
    ['38 REGENERATE with a 44-byte filename body', 44, 38, 0, '000000000000002c 26 00'],
    ['22 QUERY_FILE_INFO, flags NO_CRC32|KEEP_SILENCE in the status byte', 60, 22, 3, '000000000000003c 16 03'],
    ['a response header: cmd 100, status 2', 0, 100, 2, '0000000000000000 64 02'],
    ['11 UPLOAD with a 4 GiB + 5 body (int64 length)', 0x1_0000_0005, 11, 0, '0000000100000005 0b 00'],
  ])('%s', (_what, length, cmd, status, golden) => {
    const encoded = encodeHeader(length, cmd, status);
    expect(encoded).toEqual(hex(golden));
    expect(decodeHeader(encoded)).toEqual({ bodyLength: length, cmd, status });
  });

  it('reads a header at an offset', () => {
    expect(decodeHeader(hex('ffff | 0000000000000028 64 00'), 2)).toEqual({ bodyLength: 40, cmd: 100, status: 0 });
  });
});

describe('tracker requests', () => {
  it('104/107/90: group[16], NUL-padded', () => {
    expect(encodeGroup('group1')).toEqual(hex(G1));
  });

  it('a 16-char group fills the field with no NUL', () => {
    expect(encodeGroup('abcdefghijklmnop')).toEqual(hex('6162636465666768 696a6b6c6d6e6f70'));
  });

  it('a 17-char group is refused (InvalidArgumentError), never truncated silently', () => {
    expect(() => encodeGroup('abcdefghijklmnopq')).toThrow(InvalidArgumentError);
    expect(() => encodeGroupFile({ group: 'abcdefghijklmnopq', filename: FILENAME })).toThrow(InvalidArgumentError);
  });

  it('102/103/105 (and storage 12/15/22): group[16] + filename, no NUL', () => {
    const golden = hex(`${G1} | ${FN}`);
    expect(golden.length).toBe(60);
    expect(encodeGroupFile({ group: 'group1', filename: FILENAME })).toEqual(golden);
    expect(decodeGroupFile(golden)).toEqual({ group: 'group1', filename: FILENAME });
  });

  it('92: group[16] alone', () => {
    expect(encodeListStorageRequest('group1')).toEqual(hex(G1));
    expect(encodeListStorageRequest('group1', '')).toEqual(hex(G1));
    expect(decodeListStorageRequest(hex(G1))).toEqual({ group: 'group1' });
  });

  it('92: group[16] + storage id, no NUL', () => {
    const golden = hex(`${G1} | 3132372e302e302e31`);
    expect(encodeListStorageRequest('group1', '127.0.0.1')).toEqual(golden);
    expect(decodeListStorageRequest(golden)).toEqual({ group: 'group1', storageId: '127.0.0.1' });
  });

  it('92: a storage id is cut to 15 bytes (the tracker needs body < 16 + 16)', () => {
    expect(encodeListStorageRequest('group1', '0123456789abcdefXYZ')).toEqual(
      hex(`${G1} | 303132333435363738396162636465`),
    );
  });
});

describe('storage requests', () => {
  it('11/23 upload head: store_path_index u8, file_size int64, ext[6]', () => {
    const golden = hex('00 | 0000000000003039 | 62696e000000');
    expect(encodeUploadHead({ storePathIndex: 0, fileSize: 12345, ext: 'bin' })).toEqual(golden);
    expect(decodeUploadHead(golden)).toEqual({ storePathIndex: 0, fileSize: 12345, ext: 'bin' });
  });

  it('11 upload head: store path -1 is 0xFF; empty ext is six NULs; a 6-char ext has no NUL', () => {
    expect(encodeUploadHead({ storePathIndex: -1, fileSize: 0, ext: '' })).toEqual(
      hex('ff | 0000000000000000 | 000000000000'),
    );
    expect(encodeUploadHead({ storePathIndex: 255, fileSize: 1, ext: 'jpeg12' })).toEqual(
      hex('ff | 0000000000000001 | 6a7065673132'),
    );
    expect(encodeUploadHead({ storePathIndex: 3, fileSize: 2 ** 32, ext: 'tar.gz' })).toEqual(
      hex('03 | 0000000100000000 | 7461722e677a'),
    );
  });

  it('21 slave head: master_len, file_size, prefix[16], ext[6], master filename', () => {
    const golden = hex(
      `000000000000002c | 0000000000000400 | 5f736d616c6c 00000000000000000000 | 6a7067 000000 | ${FN}`,
    );
    const head = { masterFilename: FILENAME, fileSize: 1024, prefix: '_small', ext: 'jpg' };
    expect(encodeSlaveHead(head)).toEqual(golden);
    expect(decodeSlaveFixed(golden)).toEqual({
      masterFilenameLength: 44,
      fileSize: 1024,
      prefix: '_small',
      ext: 'jpg',
    });
  });

  it('24 append head: filename_len, file_size, filename (no group)', () => {
    const golden = hex(`000000000000002c | 0000000000000009 | ${FN}`);
    expect(encodeAppendHead({ filename: FILENAME, fileSize: 9 })).toEqual(golden);
    expect(decodeAppenderFixed(golden, 1)).toEqual({ filenameLength: 44, numbers: [9] });
  });

  it('34 modify head: filename_len, offset, file_size, filename', () => {
    const golden = hex(`000000000000002c | 0000000000001000 | 0000000000000008 | ${FN}`);
    expect(encodeModifyHead({ filename: FILENAME, offset: 4096, fileSize: 8 })).toEqual(golden);
    expect(decodeAppenderFixed(golden, 2)).toEqual({ filenameLength: 44, numbers: [4096, 8] });
  });

  it('36 truncate: filename_len, truncated_size, filename', () => {
    expect(encodeTruncateRequest({ filename: FILENAME, truncatedSize: 0 })).toEqual(
      hex(`000000000000002c | 0000000000000000 | ${FN}`),
    );
    expect(encodeTruncateRequest({ filename: FILENAME, truncatedSize: 25 })).toEqual(
      hex(`000000000000002c | 0000000000000019 | ${FN}`),
    );
  });

  it('14 download: offset, bytes, group[16], filename', () => {
    const golden = hex(`0000000000000008 | 0000000000000006 | ${G1} | ${FN}`);
    const req = { offset: 8, length: 6, group: 'group1', filename: FILENAME };
    expect(encodeDownloadRequest(req)).toEqual(golden);
    expect(decodeDownloadRequest(golden)).toEqual(req);
    expect(encodeDownloadRequest({ offset: 0, length: 0, group: 'group1', filename: FILENAME })).toEqual(
      hex(`0000000000000000 | 0000000000000000 | ${G1} | ${FN}`),
    );
  });

  it('13 set metadata: filename_len, meta_size, flag, group[16], filename, metadata', () => {
    // width \x02 1024 \x01 height \x02 768  = 21 bytes
    const meta = '7769647468 02 31303234 01 686569676874 02 373638';
    expect(packMetadata({ width: '1024', height: '768' })).toEqual(hex(meta));
    const overwrite = hex(`000000000000002c | 0000000000000015 | 4f | ${G1} | ${FN} | ${meta}`);
    const req = { group: 'group1', filename: FILENAME, metadata: hex(meta) };
    expect(encodeSetMetadataRequest({ ...req, mode: 'overwrite' })).toEqual(overwrite);
    expect(decodeSetMetadataRequest(overwrite)).toEqual({ ...req, mode: 'overwrite' });
    const merge = hex(`000000000000002c | 0000000000000015 | 4d | ${G1} | ${FN} | ${meta}`);
    expect(encodeSetMetadataRequest({ ...req, mode: 'merge' })).toEqual(merge);
    expect(decodeSetMetadataRequest(merge).mode).toBe('merge');
  });

  it('13 set metadata with no metadata (overwrite = delete the metadata file)', () => {
    const golden = hex(`000000000000002c | 0000000000000000 | 4f | ${G1} | ${FN}`);
    expect(
      encodeSetMetadataRequest({ group: 'group1', filename: FILENAME, mode: 'overwrite', metadata: Buffer.alloc(0) }),
    ).toEqual(golden);
    expect(decodeSetMetadataRequest(golden)).toEqual({
      group: 'group1',
      filename: FILENAME,
      mode: 'overwrite',
      metadata: Buffer.alloc(0),
    });
  });

  it('13: an unknown op flag decodes to mode undefined (the server answers EINVAL)', () => {
    expect(
      decodeSetMetadataRequest(hex(`000000000000002c | 0000000000000000 | 58 | ${G1} | ${FN}`)).mode,
    ).toBeUndefined();
  });
});

describe('the encoders reproduce the requests a real FastDFS 6.16.1 accepted', () => {
  const fileIdOf = (ctx: Record<string, unknown>, key = 'fileId') => {
    const { group, filename } = decodeFileId(ctx[key] as string);
    return { group, filename };
  };

  it.each([
    ['tracker-111-active-test', () => Buffer.alloc(0)],
    ['storage-111-active-test', () => Buffer.alloc(0)],
    ['tracker-101-query-store-one', () => Buffer.alloc(0)],
    ['tracker-106-query-store-all', () => Buffer.alloc(0)],
    ['tracker-91-list-all-groups', () => Buffer.alloc(0)],
    ['tracker-104-query-store-group1', () => encodeGroup('group1')],
    ['tracker-104-query-store-nosuch-group', () => encodeGroup('nosuchgroup')],
    ['tracker-107-query-store-all-group1', () => encodeGroup('group1')],
    ['tracker-90-list-one-group', () => encodeGroup('group1')],
    ['tracker-92-list-storage-group', () => encodeListStorageRequest('group1')],
    ['tracker-92-list-storage-by-id', () => encodeListStorageRequest('group1', '127.0.0.1')],
    ['tracker-92-list-storage-unknown-id', () => encodeListStorageRequest('group1', '10.9.8.7')],
  ] as const)('%s', (name, encode) => {
    const x = real(name);
    expect(encode()).toEqual(x.reqBody);
    expect(encodeHeader(x.reqBody.length, x.cmd)).toEqual(x.reqHeader);
  });

  it.each([
    'tracker-102-query-fetch-one',
    'tracker-103-query-update',
    'tracker-105-query-fetch-all',
    'storage-15-get-metadata',
    'storage-22-query-file-info',
    'storage-12-delete',
    'storage-12-delete-missing',
    'storage-14-download-empty',
  ])('%s', (name) => {
    const x = real(name);
    const file = fileIdOf(x.context);
    const body =
      x.cmd === Cmd.DOWNLOAD_FILE ? encodeDownloadRequest({ offset: 0, length: 0, ...file }) : encodeGroupFile(file);
    expect(body).toEqual(x.reqBody);
    expect(encodeHeader(body.length, x.cmd)).toEqual(x.reqHeader);
  });

  it('11 upload: head + content', () => {
    const x = real('storage-11-upload');
    const content = Buffer.from(x.context.content as string, 'hex');
    expect(content.toString()).toBe('FastDFS golden fixture #8\n');
    const body = Buffer.concat([
      encodeUploadHead({ storePathIndex: 0, fileSize: content.length, ext: 'txt' }),
      content,
    ]);
    expect(body).toEqual(x.reqBody);
    expect(decodeUploadHead(x.reqBody)).toEqual({ storePathIndex: 0, fileSize: 26, ext: 'txt' });
    expect(x.reqHeader).toEqual(hex('0000000000000029 0b 00'));
  });

  it('11 upload of a 0-byte file', () => {
    const x = real('storage-11-upload-empty');
    expect(encodeUploadHead({ storePathIndex: 0, fileSize: 0, ext: 'dat' })).toEqual(x.reqBody);
    expect(x.reqHeader).toEqual(hex('000000000000000f 0b 00'));
  });

  it('23 upload appender: same layout as 11', () => {
    const x = real('storage-23-upload-appender');
    const content = Buffer.from(x.context.content as string, 'hex');
    expect(
      Buffer.concat([encodeUploadHead({ storePathIndex: 0, fileSize: content.length, ext: 'txt' }), content]),
    ).toEqual(x.reqBody);
    expect(x.reqHeader[8]).toBe(23);
  });

  it('21 upload slave', () => {
    const x = real('storage-21-upload-slave');
    const content = Buffer.from(x.context.content as string, 'hex');
    const master = fileIdOf(x.context, 'masterFileId').filename;
    const body = Buffer.concat([
      encodeSlaveHead({ masterFilename: master, fileSize: content.length, prefix: '_small', ext: 'txt' }),
      content,
    ]);
    expect(body).toEqual(x.reqBody);
    expect(decodeSlaveFixed(x.reqBody)).toEqual({
      masterFilenameLength: 44,
      fileSize: 12,
      prefix: '_small',
      ext: 'txt',
    });
  });

  it('24 append / 34 modify / 36 truncate / 38 regenerate on the appender file', () => {
    const appender = decodeGroupFile(real('storage-23-upload-appender').resBody).filename;
    const append = real('storage-24-append');
    expect(Buffer.concat([encodeAppendHead({ filename: appender, fileSize: 9 }), Buffer.from('part two\n')])).toEqual(
      append.reqBody,
    );
    const modify = real('storage-34-modify');
    expect(
      Buffer.concat([encodeModifyHead({ filename: appender, offset: 0, fileSize: 8 }), Buffer.from('APPENDER')]),
    ).toEqual(modify.reqBody);
    expect(decodeAppenderFixed(modify.reqBody, 2)).toEqual({ filenameLength: 44, numbers: [0, 8] });
    const truncate = real('storage-36-truncate');
    expect(encodeTruncateRequest({ filename: appender, truncatedSize: 25 })).toEqual(truncate.reqBody);
    const regenerate = real('storage-38-regenerate');
    expect(regenerate.reqBody.toString('latin1')).toBe(appender);
    expect(encodeHeader(44, Cmd.REGENERATE_APPENDER_FILENAME)).toEqual(regenerate.reqHeader);
  });

  it('14 download of a range', () => {
    const x = real('storage-14-download-range');
    const file = fileIdOf(x.context);
    expect(encodeDownloadRequest({ offset: 8, length: 6, ...file })).toEqual(x.reqBody);
    expect(decodeDownloadRequest(x.reqBody)).toEqual({ offset: 8, length: 6, ...file });
  });

  it('13 set metadata, overwrite and merge', () => {
    const o = real('storage-13-set-metadata-overwrite');
    const file = fileIdOf(o.context);
    expect(
      encodeSetMetadataRequest({
        ...file,
        mode: 'overwrite',
        metadata: packMetadata({ width: '1024', height: '768', author: 'golden' }),
      }),
    ).toEqual(o.reqBody);
    const m = real('storage-13-set-metadata-merge');
    const decoded = decodeSetMetadataRequest(m.reqBody);
    expect(decoded).toEqual({ ...file, mode: 'merge', metadata: packMetadata({ height: '600', camera: 'x100' }) });
  });
});
