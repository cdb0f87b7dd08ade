import { randomInt } from 'node:crypto';
import { InvalidArgumentError, InvalidFileIdError } from './errors.js';
import { EXT_NAME_SIZE, GROUP_NAME_SIZE, PREFIX_NAME_SIZE } from './constants.js';
import { describeValue } from './describe-value.js';

/*
 * File id = `<group>/<remote filename>`, split at the first `/`.
 * Remote filename of a normal file, 44 chars (FDFS_NORMAL_LOGIC_FILENAME_LENGTH):
 *
 *   M00/0A/1F/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin
 *   │   │  │  └ 27 chars: base64 (A-Z a-z 0-9 - _, no padding) of 20 bytes, then the 7-char ext part
 *   │   │  └ sub dir low, 2 upper hex          ((6 - len(ext)) random digits, '.', ext; no ext: 7 digits)
 *   │   └ sub dir high, 2 upper hex
 *   └ 'M' + store path index, 2 upper hex
 *
 * The 20 bytes (storage/storage_service.c 1964-2032):
 *    0  source: IPv4 octets a.b.c.d, or a numeric storage id (read little-endian, ≤ 2^24-1)
 *    4  create timestamp  int32 BE
 *    8  size field        int64 BE: high word 0x80000000 | 23 random bits, low word the size;
 *                         appender: | bit 58 and size 0; trunk: | bit 59; ≥ 4 GiB: the plain size
 *   16  crc32             int32 BE (zlib CRC-32 of the content)
 * A slave file is its master's name without `.ext`, plus a prefix and an ext (length > 44);
 * a trunk file has 16 more base64 chars after the 27 (60 chars).
 */

/** FDFS_LOGIC_FILE_PATH_LEN: `M00/0A/1F/`. */
export const PATH_PREFIX_LENGTH = 10;
/** FDFS_FILENAME_BASE64_LENGTH: the base64 of the 20 name bytes. */
export const BASE64_LENGTH = 27;
/** The ext part of a normal name: random digits, '.', ext (FDFS_FILE_EXT_NAME_MAX_LEN + 1). */
export const EXT_PART_LENGTH = EXT_NAME_SIZE + 1;
/** FDFS_NORMAL_LOGIC_FILENAME_LENGTH = 10 + 27 + 6 + 1. */
export const NORMAL_FILENAME_LENGTH = PATH_PREFIX_LENGTH + BASE64_LENGTH + EXT_PART_LENGTH;
/** FDFS_TRUNK_LOGIC_FILENAME_LENGTH: a trunk name has 16 more base64 chars. */
export const TRUNK_FILENAME_LENGTH = NORMAL_FILENAME_LENGTH + 16;
/** Remote filenames live in `char[128]` buffers: at most 127 chars (tracker_service.c 3008-3029). */
export const MAX_FILENAME_LENGTH = 127;
/** fdfs_gen_slave_filename refuses a shorter master name (common/fdfs_global.c 75-79). */
export const MIN_MASTER_FILENAME_LENGTH = 28 + EXT_NAME_SIZE;
const MAX_SERVER_ID = (1 << 24) - 1;

export const APPENDER_FLAG = 1n << 58n;
export const TRUNK_FLAG = 1n << 59n;
/** The flags above and the random-size flag (bit 63) as bits of the size field's high word. */
const APPENDER_HIGH_BIT = 1 << 26;
const TRUNK_HIGH_BIT = 1 << 27;
const RANDOM_HIGH_BIT = 0x80000000;

const GROUP_RE = /^[A-Za-z0-9]{1,16}$/;
const FILENAME_RE = /^M([0-9A-F]{2})\/([0-9A-F]{2})\/([0-9A-F]{2})\/([A-Za-z0-9_-]{27})([A-Za-z0-9_.-]*)$/;
/** fdfs_validate_filename: the characters FastDFS accepts in an ext or a slave prefix. */
const NAME_PART_RE = /^[A-Za-z0-9_.-]*$/;

/** A group name as FastDFS accepts it: 1-16 letters or digits. */
export function isGroupName(group: string): boolean {
  return GROUP_RE.test(group);
}

/** Two upper-case hex digits, as store paths and sub dirs are named (`M00`, `0A`, `1F`). */
export function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

export type FileType = 'normal' | 'appender' | 'slave';

export interface ParsedFileId {
  group: string;
  /** Everything after the group: `M00/0A/1F/xxx.ext`. */
  filename: string;
  storePathIndex: number;
  subdirHigh: number;
  subdirLow: number;
  /** The last path component, as stored on disk under `data/XX/YY/`. */
  basename: string;
}

export interface FileIdInfo extends ParsedFileId {
  type: FileType;
  trunk: boolean;
  /** Numeric storage id when the name encodes one, else 0. */
  sourceId: number;
  /** IPv4 source address, or '' when the name encodes a storage id. */
  sourceIp: string;
  createTimestamp: number;
  /** Size from the name; -1 for appender and slave files, whose size the name does not tell. */
  fileSize: number;
  /** CRC32 from the name; 0 when the size is unknown (appender, slave). */
  crc32: number;
  /** Extension without the dot ('' when none). */
  ext: string;
}

/** Splits and validates a file id; throws InvalidFileIdError. Performs no I/O. */
export function parseFileId(fileId: string): ParsedFileId {
  if (typeof fileId !== 'string') throw new InvalidFileIdError(String(fileId), 'not a string');
  const slash = fileId.indexOf('/');
  if (slash <= 0) throw new InvalidFileIdError(fileId, 'expected <group>/M<xx>/<XX>/<YY>/<name>');
  return parseRemoteFilename(fileId.slice(0, slash), fileId.slice(slash + 1), fileId);
}

/** Validates a group + remote filename pair, as a storage receives them. */
export function parseRemoteFilename(group: string, filename: string, shownAs = `${group}/${filename}`): ParsedFileId {
  if (!isGroupName(group)) {
    throw new InvalidFileIdError(shownAs, `group must be 1-${GROUP_NAME_SIZE} letters or digits`);
  }
  if (filename.length < NORMAL_FILENAME_LENGTH || filename.length > MAX_FILENAME_LENGTH) {
    throw new InvalidFileIdError(
      shownAs,
      `remote filename must be ${NORMAL_FILENAME_LENGTH}-${MAX_FILENAME_LENGTH} characters, got ${filename.length}`,
    );
  }
  const m = FILENAME_RE.exec(filename);
  if (m === null) throw new InvalidFileIdError(shownAs, 'remote filename is not M<xx>/<XX>/<YY>/<base64 name><ext>');
  const [, index, high, low] = m as unknown as [string, string, string, string];
  return {
    group,
    filename,
    storePathIndex: parseInt(index, 16),
    subdirHigh: parseInt(high, 16),
    subdirLow: parseInt(low, 16),
    basename: filename.slice(PATH_PREFIX_LENGTH),
  };
}

/** Decodes what the name says, exactly as `fdfs_get_file_info_ex(…, get_from_server=false)` does. */
export function decodeFileId(fileId: string): FileIdInfo {
  return describeParsed(parseFileId(fileId));
}

export function describeParsed(parsed: ParsedFileId): FileIdInfo {
  const bytes = Buffer.from(parsed.basename.slice(0, BASE64_LENGTH), 'base64url');
  const source = bytes.readUInt32LE(0);
  const isServerId = source > 0 && source <= MAX_SERVER_ID;
  const createTimestamp = bytes.readInt32BE(4);
  // The int64 size field as two words (no BigInt: this runs for every directly routed read).
  const high = bytes.readUInt32BE(8);
  const low = bytes.readUInt32BE(12);
  const appender = (high & APPENDER_HIGH_BIT) !== 0;
  const trunk = (high & TRUNK_HIGH_BIT) !== 0;
  const length = parsed.filename.length;
  const slave = !appender && (length > TRUNK_FILENAME_LENGTH || (length > NORMAL_FILENAME_LENGTH && !trunk));
  const type: FileType = appender ? 'appender' : slave ? 'slave' : 'normal';

  let fileSize = -1;
  let crc32 = 0;
  if (type === 'normal') {
    fileSize = (high & RANDOM_HIGH_BIT) !== 0 || trunk ? low : high * 2 ** 32 + low;
    crc32 = bytes.readUInt32BE(16);
  }
  // Field by field: an object spread here costs microseconds (V8's slow clone path), per read.
  return {
    group: parsed.group,
    filename: parsed.filename,
    storePathIndex: parsed.storePathIndex,
    subdirHigh: parsed.subdirHigh,
    subdirLow: parsed.subdirLow,
    basename: parsed.basename,
    type,
    trunk,
    sourceId: isServerId ? source : 0,
    sourceIp: isServerId ? '' : `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`,
    createTimestamp,
    fileSize,
    crc32,
    ext: extOfFilename(parsed.basename),
  };
}

export interface FilenameFields {
  /** IPv4 dotted quad of the storage that wrote the file, or a numeric storage id (1 … 2^24-1). */
  source: string | number;
  createTimestamp: number;
  fileSize: number;
  crc32: number;
  appender?: boolean;
  ext: string;
  storePathIndex: number;
  subdirHigh: number;
  subdirLow: number;
  /** Random source for the size's high bits and the ext digits; defaults to crypto randomInt. */
  random?: (maxExclusive: number) => number;
}

/** The 27-char base64 part of a name (storage_gen_filename). */
export function encodeNameBase64(
  fields: Omit<FilenameFields, 'ext' | 'storePathIndex' | 'subdirHigh' | 'subdirLow'>,
): string {
  const random = fields.random ?? randomInt;
  const buf = Buffer.alloc(20);
  if (typeof fields.source === 'number') {
    if (!Number.isInteger(fields.source) || fields.source < 1 || fields.source > MAX_SERVER_ID) {
      throw new InvalidArgumentError(`storage id ${fields.source} must be 1..${MAX_SERVER_ID}`);
    }
    buf.writeUInt32LE(fields.source, 0);
  } else {
    const octets = fields.source.split('.').map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
      throw new InvalidArgumentError(`source ${JSON.stringify(fields.source)} is not an IPv4 address`);
    }
    buf.set(octets, 0);
  }
  buf.writeInt32BE(fields.createTimestamp | 0, 4);
  const size = BigInt(fields.fileSize);
  let sizeField: bigint;
  if (fields.appender === true) {
    sizeField = (randomHighWord(random) << 32n) | APPENDER_FLAG;
  } else if (size >> 32n !== 0n) {
    sizeField = size;
  } else {
    sizeField = (randomHighWord(random) << 32n) | size;
  }
  buf.writeBigUInt64BE(BigInt.asUintN(64, sizeField), 8);
  buf.writeUInt32BE(fields.crc32 >>> 0, 16);
  return buf.toString('base64url');
}

function randomHighWord(random: (max: number) => number): bigint {
  return BigInt((random(0x00800000) | 0x80000000) >>> 0);
}

/** The 7-char ext part: (6 - len(ext)) random digits, '.', ext; 7 digits when there is no ext. */
export function formatExtPart(ext: string, random: (max: number) => number = randomInt): string {
  validateExt(ext);
  const digits = ext === '' ? EXT_PART_LENGTH : EXT_NAME_SIZE - ext.length;
  let out = '';
  for (let i = 0; i < digits; i++) out += String(random(10));
  return ext === '' ? out : `${out}.${ext}`;
}

export function validateSlavePrefix(prefix: string): void {
  checkString('slave prefix', prefix);
  if (!NAME_PART_RE.test(prefix) || prefix.length > PREFIX_NAME_SIZE) {
    throw new InvalidArgumentError(
      `slave prefix ${JSON.stringify(prefix)} must be at most ${PREFIX_NAME_SIZE} of A-Z a-z 0-9 - _ .`,
    );
  }
}

export function validateExt(ext: string): void {
  checkString('file extension', ext);
  if (ext.length > EXT_NAME_SIZE || !NAME_PART_RE.test(ext)) {
    throw new InvalidArgumentError(`file extension ${JSON.stringify(ext)} must be at most 6 of A-Z a-z 0-9 - _ .`);
  }
}

/** The remote filename (`M00/XX/YY/name.ext`) for freshly written content. */
export function buildRemoteFilename(fields: FilenameFields): string {
  return (
    `M${hex2(fields.storePathIndex)}/${hex2(fields.subdirHigh)}/${hex2(fields.subdirLow)}/` +
    encodeNameBase64(fields) +
    formatExtPart(fields.ext, fields.random)
  );
}

/**
 * The slave filename as the storage builds it (fdfs_gen_slave_filename, common/fdfs_global.c
 * 65-153): the master's name up to the `.` of its ext part, then the prefix, then `.ext`
 * (`ext` as sent on the wire: '' means none). An empty prefix needs an ext different from
 * the master's; prefix `-m` with no ext is refused (it would look like a metadata file).
 */
export function buildSlaveFilename(masterFilename: string, prefix: string, ext: string): string {
  checkString('master filename', masterFilename);
  validateSlavePrefix(prefix);
  validateExt(ext);
  if (masterFilename.length < MIN_MASTER_FILENAME_LENGTH) {
    throw new InvalidArgumentError(`master filename ${JSON.stringify(masterFilename)} is too short`);
  }
  const dotAt = masterFilename.indexOf('.', masterFilename.length - EXT_PART_LENGTH);
  const masterExt = dotAt === -1 ? '' : masterFilename.slice(dotAt);
  const slaveExt = ext === '' ? '' : ext.startsWith('.') ? ext : `.${ext}`;
  if (slaveExt === '' && prefix === '-m') throw new InvalidArgumentError('slave prefix "-m" needs an extension');
  if (prefix === '' && masterExt === slaveExt) {
    throw new InvalidArgumentError("a slave needs a prefix or an extension different from its master's");
  }
  return `${dotAt === -1 ? masterFilename : masterFilename.slice(0, dotAt)}${prefix}${slaveExt}`;
}

/**
 * Names taken from JavaScript callers: a non-string is an InvalidArgumentError, never a
 * TypeError or a name quietly built from `String(x)`.
 */
function checkString(what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`${what} must be a string, got ${describeValue(value)}`);
  }
}

/** The master's extension without the dot ('' when none): what a slave gets when no ext is given. */
export function extOfFilename(filename: string): string {
  const dotAt = filename.indexOf('.', filename.length - EXT_PART_LENGTH);
  return dotAt === -1 ? '' : filename.slice(dotAt + 1);
}
