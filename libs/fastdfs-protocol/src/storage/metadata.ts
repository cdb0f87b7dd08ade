import { InvalidArgumentError } from '../errors.js';
import {
  GROUP_NAME_SIZE,
  META_FIELD_SEPARATOR,
  META_MERGE,
  META_NAME_MAX,
  META_OVERWRITE,
  META_RECORD_SEPARATOR,
  META_VALUE_MAX,
} from '../constants.js';
import { Decoder } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { type Command, expectEmpty } from '../command.js';
import { Cmd } from '../constants.js';
import { encodeGroupFile, type GroupFile } from '../group-file.js';

/*
 * Metadata text (tracker/tracker_proto.c 318-437): records `name \x02 value` joined by `\x01`,
 * no trailing separator. The server truncates names to 64 and values to 256 bytes, and stores
 * the records sorted by name in `<file>-m`.
 *
 * SET_METADATA (13): storage_service.c 3147-3326.
 *    0  filename_len  int64
 *    8  meta_size     int64
 *   16  op_flag       'O' (0x4F) overwrite all | 'M' (0x4D) merge
 *   17  group[16]
 *   33  filename
 *    …  metadata      meta_size bytes
 * Response: empty. 'O' with no metadata deletes the metadata file.
 *
 * GET_METADATA (15): request group[16] + filename; response the metadata text.
 * A file without metadata answers ENOENT, not an empty body.
 */
export type Metadata = Record<string, string>;
export type MetadataMode = 'overwrite' | 'merge';

/** One metadata record as bytes, the way the storage handles it. */
export interface MetaRecord {
  name: Buffer;
  value: Buffer;
}

/**
 * Splits metadata text as fdfs_split_metadata_ex does (tracker/tracker_proto.c 318-394): the
 * text ends at the first NUL (the C code works on strings), a record without a field
 * separator is skipped, and names and values are cut to the server's limits.
 */
export function splitMetadata(buf: Buffer): MetaRecord[] {
  const records: MetaRecord[] = [];
  const nul = buf.indexOf(0);
  const text = nul === -1 ? buf : buf.subarray(0, nul);
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(META_RECORD_SEPARATOR, start);
    if (end === -1) end = text.length;
    const record = text.subarray(start, end);
    const sep = record.indexOf(META_FIELD_SEPARATOR);
    if (sep !== -1) {
      records.push({
        name: record.subarray(0, Math.min(sep, META_NAME_MAX)),
        value: record.subarray(sep + 1).subarray(0, META_VALUE_MAX),
      });
    }
    start = end + 1;
  }
  return records;
}

/** Joins records into metadata text: `name \x02 value`, records separated by `\x01`, none trailing. */
export function packRecords(records: readonly MetaRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    if (parts.length > 0) parts.push(Buffer.of(META_RECORD_SEPARATOR));
    parts.push(r.name, Buffer.of(META_FIELD_SEPARATOR), r.value);
  }
  return Buffer.concat(parts);
}

/** A name → value map (UTF-8) as metadata text; names must be non-empty, neither may hold a separator byte. */
export function packMetadata(meta: Metadata): Buffer {
  const records: MetaRecord[] = [];
  for (const [name, value] of Object.entries(meta)) {
    if (name === '') throw new InvalidArgumentError('metadata names must not be empty');
    for (const text of [name, value]) {
      if (/[\x01\x02]/.test(text)) {
        throw new InvalidArgumentError(`metadata ${JSON.stringify(name)} contains a separator byte (0x01 or 0x02)`);
      }
    }
    records.push({ name: Buffer.from(name, 'utf8'), value: Buffer.from(value, 'utf8') });
  }
  return packRecords(records);
}

/** Metadata text as a name → value map (UTF-8). */
export function unpackMetadata(buf: Buffer): Metadata {
  const meta: Metadata = {};
  for (const { name, value } of splitMetadata(buf)) meta[name.toString('utf8')] = value.toString('utf8');
  return meta;
}

export interface SetMetadataRequest {
  group: string;
  filename: string;
  mode: MetadataMode;
  metadata: Buffer;
}

export function encodeSetMetadataRequest(req: SetMetadataRequest): Buffer {
  const name = Buffer.from(req.filename, 'latin1');
  return new Encoder()
    .writeInt64(name.length)
    .writeInt64(req.metadata.length)
    .writeUInt8(req.mode === 'overwrite' ? META_OVERWRITE : META_MERGE)
    .writeFixedString(req.group, GROUP_NAME_SIZE)
    .writeBytes(name)
    .writeBytes(req.metadata)
    .toBuffer();
}

/** Throws ProtocolError on a short body; returns `mode: undefined` for an unknown op flag (EINVAL). */
export function decodeSetMetadataRequest(
  body: Buffer,
): Omit<SetMetadataRequest, 'mode'> & { mode: MetadataMode | undefined } {
  const d = new Decoder(body, 'set metadata request');
  const filenameLength = d.readInt64();
  const metaSize = d.readInt64();
  const flag = d.readUInt8();
  const group = d.readFixedString(GROUP_NAME_SIZE);
  const filename = d.readBytes(filenameLength).toString('latin1');
  const metadata = d.readBytes(metaSize);
  d.end();
  const mode = flag === META_OVERWRITE ? 'overwrite' : flag === META_MERGE ? 'merge' : undefined;
  return { group, filename, mode, metadata };
}

/** 13: overwriting or merging the same metadata again gives the same result. */
export const SetMetadata: Command<GroupFile & { mode: MetadataMode; metadata: Metadata }, void> = {
  cmd: Cmd.SET_METADATA,
  name: 'set metadata',
  idempotent: true,
  encode: (req) => encodeSetMetadataRequest({ ...req, metadata: packMetadata(req.metadata) }),
  decode: expectEmpty('set metadata'),
};

/** 15: a file without metadata answers ENOENT, not an empty body. */
export const GetMetadata: Command<GroupFile, Metadata> = {
  cmd: Cmd.GET_METADATA,
  name: 'get metadata',
  idempotent: true,
  encode: encodeGroupFile,
  decode: unpackMetadata,
};
