/**
 * File ids (notes §5): decoding real ids from FastDFS 6.16.1, ids made by the real fdfs_upload_file
 * and checked against fdfs_file_info, synthetic layouts (storage id, trunk, ≥ 4 GiB, slave length
 * rule), hostile ids, and the name builders (storage_gen_filename / fdfs_gen_slave_filename).
 */
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  InvalidArgumentError,
  InvalidFileIdError,
  APPENDER_FLAG,
  MAX_FILENAME_LENGTH,
  NORMAL_FILENAME_LENGTH,
  TRUNK_FILENAME_LENGTH,
  TRUNK_FLAG,
  buildRemoteFilename,
  buildSlaveFilename,
  decodeFileId,
  encodeNameBase64,
  extOfFilename,
  formatExtPart,
  parseFileId,
  parseRemoteFilename,
  validateExt,
} from 'fastdfs-protocol';
import { caught, fixtureJson, hex } from '../../helpers/golden.js';

/** RFC 4648 base64url decoding written out by hand (6 bits in, 8 bits out), independent of Buffer. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function base64urlByHand(text: string): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error(`not base64url: ${ch}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
    acc &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

/** A remote filename made of the given 20 bytes, an optional trunk part, and a tail. */
function nameOf(bytes: Buffer, tail: string, trunkPart = ''): string {
  expect(bytes.length).toBe(20);
  return `M00/00/00/${bytes.toString('base64url')}${trunkPart}${tail}`;
}

const B27 = 'fwAAAWsBU6WAETeuAAAwOcDhnzA';
const VALID = `group1/M00/00/00/${B27}254.bin`;

describe('real ids from FastDFS 6.16.1', () => {
  it('group1/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin, field by field', () => {
    const bytes = base64urlByHand('fwAAAWsBU6WAETeuAAAwOcDhnzA');
    //                     source ip   | timestamp | size field: 0x80000000|rand, size | crc32
    expect(bytes).toEqual(hex('7f000001 | 6b0153a5 | 801137ae 00003039 | c0e19f30'));
    // bytes 0-3: 7f.00.00.01 → 127.0.0.1 (read LE: 0x0100007f > 2^24-1, so an IP, not a storage id)
    // bytes 4-7: 0x6b0153a5 = 1795249061 (2026-11-21T08:17:41Z)
    // bytes 8-15: high word 0x801137ae has bit 31 set → size = low word 0x00003039 = 12345
    // bytes 16-19: 0xc0e19f30 = 3236011824
    expect(decodeFileId('group1/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin')).toEqual({
      group: 'group1',
      filename: 'M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin',
      storePathIndex: 0,
      subdirHigh: 0,
      subdirLow: 0,
      basename: 'fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin',
      type: 'normal',
      trunk: false,
      sourceId: 0,
      sourceIp: '127.0.0.1',
      createTimestamp: 1795249061,
      fileSize: 12345,
      crc32: 3236011824,
      ext: 'bin',
    });
    expect(new Date(1795249061 * 1000).toISOString()).toBe('2026-11-21T08:17:41.000Z');
  });

  it('group1/M00/00/00/fwAAAWsBVn2AJafPAAAAEwwJRkU421.txt: 127.0.0.1, size 19, crc32 201934405', () => {
    const bytes = base64urlByHand('fwAAAWsBVn2AJafPAAAAEwwJRkU');
    expect(bytes).toEqual(hex('7f000001 | 6b01567d | 8025a7cf 00000013 | 0c094645'));
    expect(decodeFileId('group1/M00/00/00/fwAAAWsBVn2AJafPAAAAEwwJRkU421.txt')).toMatchObject({
      type: 'normal',
      trunk: false,
      sourceId: 0,
      sourceIp: '127.0.0.1',
      createTimestamp: 0x6b01567d,
      fileSize: 19,
      crc32: 201934405,
      ext: 'txt',
    });
  });

  it('the appender group1/M00/00/00/fwAAAWsBVn2EMrWoAAAAAAwJRkU036.txt: bit 58 set, size unknown', () => {
    const bytes = base64urlByHand('fwAAAWsBVn2EMrWoAAAAAAwJRkU');
    // high word 0x8432b5a8 = 0x80000000 | 0x04000000 (FDFS_APPENDER_FILE_SIZE >> 32) | random
    expect(bytes).toEqual(hex('7f000001 | 6b01567d | 8432b5a8 00000000 | 0c094645'));
    expect(bytes.readUInt32BE(8) & 0x04000000).toBe(0x04000000);
    expect(decodeFileId('group1/M00/00/00/fwAAAWsBVn2EMrWoAAAAAAwJRkU036.txt')).toMatchObject({
      type: 'appender',
      trunk: false,
      sourceIp: '127.0.0.1',
      createTimestamp: 0x6b01567d,
      fileSize: -1,
      crc32: 0,
      ext: 'txt',
    });
  });

  it('flag constants are bits 58 and 59', () => {
    expect(APPENDER_FLAG).toBe(0x0400000000000000n);
    expect(TRUNK_FLAG).toBe(0x0800000000000000n);
    expect([NORMAL_FILENAME_LENGTH, TRUNK_FILENAME_LENGTH, MAX_FILENAME_LENGTH]).toEqual([44, 60, 127]);
  });
});

interface CliFile {
  tool: string;
  local?: string;
  size?: number;
  crc32?: number;
  fileId: string;
  fdfsFileInfo: string;
}

/** Parses the stdout of fdfs_file_info. */
function parseFileInfoOutput(text: string) {
  const get = (label: string) => {
    const m = new RegExp(`^${label}: (.*)$`, 'm').exec(text);
    if (m === null) throw new Error(`no "${label}" in ${text}`);
    return m[1] as string;
  };
  const crc = /^(-?\d+) \(0x([0-9a-f]{8})\)$/.exec(get('file crc32'));
  if (crc === null) throw new Error('bad crc line');
  return {
    fromServer: get('GET FROM SERVER') === 'true',
    type: get('file type'),
    sourceId: Number(get('source storage id')),
    sourceIp: get('source ip address'),
    // printed in local time; the capture host runs in UTC (see the fixture's "timezone")
    createTimestamp: Date.parse(`${get('file create timestamp').replace(' ', 'T')}Z`) / 1000,
    fileSize: Number(get('file size')),
    crc32Signed: Number(crc[1]),
    crc32: parseInt(crc[2] as string, 16),
  };
}

describe('ids produced by the real server, checked against fdfs_file_info (fdfs-cli-file-info.json)', () => {
  const fixture = fixtureJson<{ timezone: string; files: CliFile[] }>('real-6.16.1/fdfs-cli-file-info.json');

  it('the capture ran in UTC and covers normal (with and without ext), appender and slave ids', () => {
    expect(fixture.timezone).toMatch(/^Etc\/UTC/);
    expect(fixture.files.map((f) => parseFileInfoOutput(f.fdfsFileInfo).type).sort()).toEqual([
      'appender',
      'normal',
      'normal',
      'normal',
      'normal',
      'normal',
      'slave',
    ]);
  });

  it.each(fixture.files.map((f) => [f.fileId, f] as const))('%s', (fileId, f) => {
    const expected = parseFileInfoOutput(f.fdfsFileInfo);
    const info = decodeFileId(fileId);
    expect(info.type).toBe(expected.type);
    expect(info.sourceId).toBe(expected.sourceId);
    expect(info.sourceIp).toBe(expected.sourceIp);
    expect(info.createTimestamp).toBe(expected.createTimestamp);
    expect(expected.crc32Signed >>> 0).toBe(expected.crc32); // fdfs_file_info prints the C int
    if (expected.fromServer) {
      // appender and slave: the C client asked the storage (QUERY_FILE_INFO); the name alone says -1
      expect(info.type).not.toBe('normal');
      expect([info.fileSize, info.crc32]).toEqual([-1, 0]);
    } else {
      expect(info.fileSize).toBe(expected.fileSize);
      expect(info.crc32).toBe(expected.crc32);
    }
    if (f.size !== undefined) expect(expected.fileSize).toBe(f.size); // what was uploaded
    if (f.crc32 !== undefined) expect(expected.crc32).toBe(f.crc32); // zlib.crc32 of the local file
  });

  it('fdfs_upload_file of a file without extension: 7 digits, no dot, ext ""', () => {
    const f = fixture.files.find((x) => x.local === 'noext');
    expect(f?.fileId).toBe('group1/M00/00/00/fwAAAWsBV3WAXkO_AAAAGgOr4O05521520');
    const info = decodeFileId(f?.fileId ?? '');
    expect(info.basename.slice(27)).toMatch(/^\d{7}$/);
    expect(info.ext).toBe('');
    expect(info.fileSize).toBe(26);
  });

  it('the slave id from raw UPLOAD_SLAVE_FILE (21) is longer than 44 → type slave', () => {
    const f = fixture.files.find((x) => x.fileId.includes('_small'));
    expect(f?.fileId).toBe('group1/M00/00/00/fwAAAWsBV3WASeS4AAAAGvgueTY328_small.txt');
    expect(decodeFileId(f?.fileId ?? '').filename.length).toBe(50);
  });
});

describe('synthetic layouts', () => {
  const head = (source: string, high: number, low: number, crc: number) => {
    const b = Buffer.alloc(20);
    b.write(source, 0, 'hex');
    b.writeInt32BE(1700000000, 4);
    b.writeUInt32BE(high >>> 0, 8);
    b.writeUInt32BE(low >>> 0, 12);
    b.writeUInt32BE(crc >>> 0, 16);
    return b;
  };

  it('storage id 100001 stored little-endian (a1 86 01 00) → sourceId 100001, sourceIp ""', () => {
    const bytes = head('a1860100', 0x80001234, 777, 0xdeadbeef);
    const info = decodeFileId(`group1/${nameOf(bytes, '123.jpg')}`);
    expect(info).toMatchObject({
      sourceId: 100001,
      sourceIp: '',
      type: 'normal',
      fileSize: 777,
      crc32: 0xdeadbeef,
      ext: 'jpg',
    });
    expect(
      encodeNameBase64({
        source: 100001,
        createTimestamp: 1700000000,
        fileSize: 777,
        crc32: 0xdeadbeef,
        random: () => 0x1234,
      }),
    ).toBe(bytes.toString('base64url'));
  });

  it('the largest storage id 2^24-1 (ff ff ff 00) is an id; 0 and bytes ≥ 2^24 are IPs', () => {
    expect(decodeFileId(`g/${nameOf(head('ffffff00', 0x80000000, 1, 1), '123.jpg')}`)).toMatchObject({
      sourceId: 16777215,
      sourceIp: '',
    });
    expect(decodeFileId(`g/${nameOf(head('00000000', 0x80000000, 1, 1), '123.jpg')}`)).toMatchObject({
      sourceId: 0,
      sourceIp: '0.0.0.0',
    });
    expect(decodeFileId(`g/${nameOf(head('c0a80001', 0x80000000, 1, 1), '123.jpg')}`)).toMatchObject({
      sourceId: 0,
      sourceIp: '192.168.0.1',
    });
    // same quirk as fdfs_get_server_id_type: 10.0.0.0 reads LE as 10, a valid id
    expect(decodeFileId(`g/${nameOf(head('0a000000', 0x80000000, 1, 1), '123.jpg')}`)).toMatchObject({
      sourceId: 10,
      sourceIp: '',
    });
  });

  it('trunk file: 60 chars (27 + 16 base64 + ext part), bit 59 set → normal, trunk, size masked', () => {
    const bytes = head('7f000001', 0x80000000 | 0x08000000 | 0x123456, 4096, 0x01020304);
    const trunkPart = Buffer.from('000000010000100000001000', 'hex').toString('base64url'); // id, offset, size
    expect(trunkPart.length).toBe(16);
    const info = decodeFileId(`group1/${nameOf(bytes, '123.jpg', trunkPart)}`);
    expect(info.filename.length).toBe(60);
    expect(info).toMatchObject({ type: 'normal', trunk: true, fileSize: 4096, crc32: 0x01020304, ext: 'jpg' });
  });

  it('trunk bit without the random bit still masks the size (FDFS_TRUNK_FILE_TRUE_SIZE)', () => {
    const info = decodeFileId(`group1/${nameOf(head('7f000001', 0x08000000, 99, 5), '123.jpg')}`);
    expect(info).toMatchObject({ type: 'normal', trunk: true, fileSize: 99 });
  });

  it('size ≥ 4 GiB: the plain 64-bit size, no random bit', () => {
    const size = 5 * 2 ** 30; // 0x0000000140000000
    const bytes = head('7f000001', 0x00000001, 0x40000000, 0xabcdef01);
    const info = decodeFileId(`group1/${nameOf(bytes, '123.bin')}`);
    expect(info).toMatchObject({ type: 'normal', trunk: false, fileSize: size, crc32: 0xabcdef01 });
    const b64 = encodeNameBase64({
      source: '127.0.0.1',
      createTimestamp: 1700000000,
      fileSize: size,
      crc32: 0xabcdef01,
      random: () => {
        throw new Error('no random bits for a ≥ 4 GiB size');
      },
    });
    expect(Buffer.from(b64, 'base64url').subarray(8, 16)).toEqual(hex('0000000140000000'));
  });

  it('slave length rule: > 44 chars without the trunk bit → slave; > 60 even with it → slave', () => {
    const normal = head('7f000001', 0x80000001, 10, 10);
    expect(decodeFileId(`group1/${nameOf(normal, '123_s.jpg')}`)).toMatchObject({
      type: 'slave',
      fileSize: -1,
      crc32: 0,
      ext: 'jpg',
    });
    const trunk = head('7f000001', 0x88000001, 10, 10);
    const t16 = 'A'.repeat(16);
    expect(decodeFileId(`group1/${nameOf(trunk, '123.jpg', t16)}`)).toMatchObject({ type: 'normal', trunk: true });
    expect(decodeFileId(`group1/${nameOf(trunk, '123_.jpg', t16)}`)).toMatchObject({
      type: 'slave',
      trunk: true,
      fileSize: -1,
    });
    expect(decodeFileId(`group1/${nameOf(trunk, '1234.jpg')}`)).toMatchObject({
      type: 'normal',
      trunk: true,
      fileSize: 10,
    });
  });

  it('appender wins over the slave length rule', () => {
    const appender = head('7f000001', 0x84000001, 0, 0);
    expect(decodeFileId(`group1/${nameOf(appender, '123_small.jpg')}`)).toMatchObject({
      type: 'appender',
      fileSize: -1,
    });
  });

  it('path fields: M0A/1F/FF → store path 10, subdirs 0x1F/0xFF', () => {
    expect(parseFileId(`group1/M0A/1F/FF/${B27}254.bin`)).toEqual({
      group: 'group1',
      filename: `M0A/1F/FF/${B27}254.bin`,
      storePathIndex: 10,
      subdirHigh: 31,
      subdirLow: 255,
      basename: `${B27}254.bin`,
    });
    expect(parseRemoteFilename('G1', `M00/00/00/${B27}254.bin`).group).toBe('G1');
  });

  it('a 16-char group and a 127-char filename are the limits', () => {
    const long = `M00/00/00/${B27}254${'_'.repeat(127 - 44)}.bin`;
    expect(long.length).toBe(127);
    expect(parseFileId(`abcdefghijklmnop/${long}`).group).toBe('abcdefghijklmnop');
  });
});

describe('hostile ids are rejected with InvalidFileIdError', () => {
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['group only', 'group1'],
    ['group and slash', 'group1/'],
    ['empty group', `/M00/00/00/${B27}254.bin`],
    ['../etc/passwd', '../etc/passwd'],
    ['group1/../../etc/passwd', 'group1/../../etc/passwd'],
    ['traversal after the path', 'group1/M00/00/00/../../../../etc/passwd'],
    ['long traversal (≥ 44 chars)', 'group1/M00/00/00/../../../../../../../../../../etc/passwd'],
    ['short sub dir', 'group1/M00/0/00/x'],
    ['lowercase m', `group1/m00/00/00/${B27}123.jpg`],
    ['lowercase hex sub dirs', `group1/M00/0a/1f/${B27}254.bin`],
    ['lowercase hex store path', `group1/M0a/00/00/${B27}254.bin`],
    ['non-hex sub dir', `group1/M00/0G/00/${B27}254.bin`],
    ['17-char group', `abcdefghijklmnopq/M00/00/00/${B27}254.bin`],
    ['group with -', `group-1/M00/00/00/${B27}254.bin`],
    ['group with .', `group.1/M00/00/00/${B27}254.bin`],
    ['group ..', `../M00/00/00/${B27}254.bin`],
    ['unicode group', `grоup1/M00/00/00/${B27}254.bin`], // Cyrillic о
    ['/ after the base64 part', `group1/M00/00/00/${B27}/../../../254.bin`],
    ['\\ after the base64 part', `group1/M00/00/00/${B27}\\..\\..\\254.bin`],
    ['%2e after the base64 part', `group1/M00/00/00/${B27}%2e%2e%2f254.bin`],
    ['NUL after the base64 part', `group1/M00/00/00/${B27}254.bin\0.jpg`],
    ['space after the base64 part', `group1/M00/00/00/${B27}254 .bin`],
    ['unicode after the base64 part', `group1/M00/00/00/${B27}254.bín`],
    ['trailing newline', `${VALID}\n`],
    ['trailing slash', `${VALID}/`],
    ['query string', `${VALID}?x=1`],
    ['fragment', `${VALID}#x`],
    ['leading space', ` ${VALID}`],
    ['double slash', `group1//M00/00/00/${B27}254.bin`],
    ['backslash separators', `group1\\M00\\00\\00\\${B27}254.bin`],
    ['26 base64 chars (one dropped)', `group1/M00/00/00/${B27.slice(0, 26)}254.bin`],
    ['26 base64 chars then a dot', `group1/M00/00/00/${B27.slice(0, 26)}.0254.bin`],
    ['28 base64 chars, no ext part', `group1/M00/00/00/${B27}A`],
    ['standard base64 + and /', `group1/M00/00/00/${B27.slice(0, 25)}+/254.bin`],
    ['homoglyph in the base64 part', `group1/M00/00/00/${B27.slice(0, 26)}А254.bin`], // Cyrillic А
    ['128-char filename', `group1/M00/00/00/${B27}254${'_'.repeat(128 - 44)}.bin`],
    ['200+ char filename', `group1/M00/00/00/${B27}254${'a'.repeat(200)}.bin`],
    ['extra path level', `group1/M00/00/00/00/${B27}254.bin`],
  ];

  it('has at least 20 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s', (_what, id) => {
    for (const fn of [parseFileId, decodeFileId]) {
      const err = caught(() => fn(id));
      expect(err).toBeInstanceOf(InvalidFileIdError);
      expect((err as InvalidFileIdError).code).toBe(ErrorCode.INVALID_FILE_ID);
      expect((err as InvalidFileIdError).retriable).toBe(false);
      expect((err as InvalidFileIdError).message).toContain(JSON.stringify(id.slice(0, 200)));
    }
  });

  it('a non-string is rejected too', () => {
    expect(caught(() => parseFileId(42 as unknown as string))).toBeInstanceOf(InvalidFileIdError);
    expect(caught(() => parseFileId(undefined as unknown as string))).toBeInstanceOf(InvalidFileIdError);
  });

  it('parseRemoteFilename validates the pair a storage receives', () => {
    expect(caught(() => parseRemoteFilename('group1', `M00/00/00/${B27}254.bin/`))).toBeInstanceOf(InvalidFileIdError);
    expect(caught(() => parseRemoteFilename('', `M00/00/00/${B27}254.bin`))).toBeInstanceOf(InvalidFileIdError);
  });
});

/** Deterministic random source that records its calls. */
function seeded(seed: number) {
  let state = seed >>> 0;
  const calls: Array<[number, number]> = [];
  const random = (max: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const value = Math.floor((state / 2 ** 32) * max);
    calls.push([max, value]);
    return value;
  };
  return { random, calls };
}

describe('buildRemoteFilename → decodeFileId', () => {
  const fields = {
    source: '192.168.1.20',
    createTimestamp: 1700000000,
    fileSize: 123456,
    crc32: 0xfedcba98,
    storePathIndex: 1,
    subdirHigh: 0x2a,
    subdirLow: 0x0f,
  };

  it.each([
    ['jpg', 3],
    ['a', 5],
    ['jpeg12', 0],
    ['webp', 2],
  ] as const)('ext %s → %i digits, a dot and the ext', (ext, digits) => {
    const { random, calls } = seeded(42 + digits);
    const name = buildRemoteFilename({ ...fields, ext, random });
    expect(name.length).toBe(44);
    expect(name.startsWith('M01/2A/0F/')).toBe(true);
    const info = decodeFileId(`group7/${name}`);
    expect(info).toMatchObject({
      type: 'normal',
      trunk: false,
      sourceId: 0,
      sourceIp: '192.168.1.20',
      createTimestamp: 1700000000,
      fileSize: 123456,
      crc32: 0xfedcba98,
      ext,
      storePathIndex: 1,
      subdirHigh: 0x2a,
      subdirLow: 0x0f,
    });
    expect(info.basename.slice(27)).toMatch(new RegExp(`^\\d{${digits}}\\.${ext.replace('.', '\\.')}$`));
    // the high word of the size: bit 31 set, then at most 23 random bits (bits 23-30 clear)
    const bytes = Buffer.from(info.basename.slice(0, 27), 'base64url');
    const high = bytes.readUInt32BE(8);
    expect(high & 0x80000000).not.toBe(0);
    expect(high & 0x7f800000).toBe(0);
    expect(calls[0]).toEqual([0x00800000, high & 0x007fffff]);
    // then one random(10) per digit, in order
    expect(calls.slice(1).map(([max]) => max)).toEqual(Array(digits).fill(10));
    expect(info.basename.slice(27, 27 + digits)).toBe(
      calls
        .slice(1)
        .map(([, v]) => v)
        .join(''),
    );
  });

  // Regression (bug at 5cfe357, file-id.ts 130, fixed in 38ff1cd): the ext was taken after the LAST dot,
  // so an uploaded ext 'tar.gz' (valid: fdfs_validate_filename allows '.') decoded as 'gz', while
  // extOfFilename() and fdfs_gen_slave_filename (strchr from len-7, fdfs_global.c 83-84) see '.tar.gz'.
  it('a dotted ext "tar.gz" round-trips as "tar.gz" (0 digits)', () => {
    const name = buildRemoteFilename({ ...fields, ext: 'tar.gz', random: seeded(5).random });
    expect(name.slice(37)).toBe('.tar.gz');
    expect(extOfFilename(name)).toBe('tar.gz');
    expect(decodeFileId(`group1/${name}`).ext).toBe('tar.gz');
  });

  it('no ext → 7 digits and no dot', () => {
    const { random } = seeded(7);
    const name = buildRemoteFilename({ ...fields, ext: '', random });
    expect(name.slice(37)).toMatch(/^\d{7}$/);
    expect(name).not.toContain('.');
    expect(decodeFileId(`group1/${name}`)).toMatchObject({ ext: '', fileSize: 123456, type: 'normal' });
  });

  it('random = max-1 everywhere still leaves bits 23-30 clear', () => {
    const name = buildRemoteFilename({ ...fields, ext: 'jpg', random: (max) => max - 1 });
    const bytes = Buffer.from(name.slice(10, 37), 'base64url');
    expect(bytes.readUInt32BE(8)).toBe(0x807fffff);
    expect(name.slice(37)).toBe('999.jpg');
  });

  it('appender: bit 58, size 0 in the name, decodes as an appender', () => {
    const { random } = seeded(1);
    const name = buildRemoteFilename({ ...fields, fileSize: 0, appender: true, ext: 'log', random });
    const high = Buffer.from(name.slice(10, 37), 'base64url').readUInt32BE(8);
    expect((high & 0x84000000) >>> 0).toBe(0x84000000);
    expect(decodeFileId(`group1/${name}`)).toMatchObject({ type: 'appender', fileSize: -1, ext: 'log' });
  });

  it('a storage id source round-trips', () => {
    const name = buildRemoteFilename({ ...fields, source: 100001, ext: 'png', random: seeded(3).random });
    expect(decodeFileId(`group1/${name}`)).toMatchObject({ sourceId: 100001, sourceIp: '', fileSize: 123456 });
  });

  it('bad inputs are InvalidArgumentError', () => {
    const base = { createTimestamp: 1, fileSize: 1, crc32: 1 };
    expect(() => encodeNameBase64({ ...base, source: '1.2.3' })).toThrow(InvalidArgumentError);
    expect(() => encodeNameBase64({ ...base, source: '1.2.3.256' })).toThrow(InvalidArgumentError);
    expect(() => encodeNameBase64({ ...base, source: 0 })).toThrow(InvalidArgumentError);
    expect(() => encodeNameBase64({ ...base, source: 2 ** 24 })).toThrow(InvalidArgumentError);
    expect(() => validateExt('toolong')).toThrow(InvalidArgumentError);
    expect(() => validateExt('a/b')).toThrow(InvalidArgumentError);
    expect(() => validateExt('é')).toThrow(InvalidArgumentError);
    expect(() => formatExtPart('jp g')).toThrow(InvalidArgumentError);
    expect(() => validateExt('tar.gz')).not.toThrow();
  });
});

describe('buildSlaveFilename follows fdfs_gen_slave_filename (common/fdfs_global.c 65-153)', () => {
  const MASTER = 'M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzo803.txt';
  const NOEXT = 'M00/00/00/fwAAAWsBV3WAXkO_AAAAGgOr4O05521520';

  it('…o803.txt + _small + txt → …o803_small.txt', () => {
    expect(buildSlaveFilename(MASTER, '_small', 'txt')).toBe('M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzo803_small.txt');
  });

  it('ext "" → no ext', () => {
    expect(buildSlaveFilename(MASTER, '_small', '')).toBe('M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzo803_small');
  });

  it("an ext with its dot is taken as is; a different ext replaces the master's", () => {
    expect(buildSlaveFilename(MASTER, '_s', '.jpg')).toBe('M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzo803_s.jpg');
    expect(buildSlaveFilename(MASTER, '', 'jpg')).toBe('M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzo803.jpg');
  });

  it('empty prefix with the same ext → throws', () => {
    expect(() => buildSlaveFilename(MASTER, '', 'txt')).toThrow(InvalidArgumentError);
    expect(() => buildSlaveFilename(MASTER, '', '.txt')).toThrow(InvalidArgumentError);
  });

  it('"-m" prefix with no ext → throws (it would name the metadata file); with an ext it is fine', () => {
    expect(() => buildSlaveFilename(MASTER, '-m', '')).toThrow(InvalidArgumentError);
    expect(buildSlaveFilename(MASTER, '-m', 'txt')).toBe('M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzo803-m.txt');
  });

  it('a master without ext: the prefix and ext are appended', () => {
    expect(buildSlaveFilename(NOEXT, '_s', '')).toBe(`${NOEXT}_s`);
    expect(buildSlaveFilename(NOEXT, '', 'jpg')).toBe(`${NOEXT}.jpg`);
    expect(() => buildSlaveFilename(NOEXT, '', '')).toThrow(InvalidArgumentError);
  });

  it('bad prefix, bad ext, or a master shorter than 34 chars → throws', () => {
    expect(() => buildSlaveFilename(MASTER, 'a/b', 'txt')).toThrow(InvalidArgumentError);
    expect(() => buildSlaveFilename(MASTER, 'x'.repeat(17), 'txt')).toThrow(InvalidArgumentError);
    expect(() => buildSlaveFilename(MASTER, '_s', 'toolong')).toThrow(InvalidArgumentError);
    expect(() => buildSlaveFilename('M00/00/00/short.txt', '_s', 'txt')).toThrow(InvalidArgumentError);
  });

  it('the slave names decode as slaves', () => {
    expect(decodeFileId(`group1/${buildSlaveFilename(MASTER, '_small', 'txt')}`)).toMatchObject({
      type: 'slave',
      ext: 'txt',
    });
  });

  it('extOfFilename reads the master ext a slave inherits', () => {
    expect(extOfFilename(MASTER)).toBe('txt');
    expect(extOfFilename(NOEXT)).toBe('');
    expect(extOfFilename('M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA.jpeg12')).toBe('jpeg12');
  });
});
