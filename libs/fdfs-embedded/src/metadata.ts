import { META_FIELD_SEPARATOR, META_NAME_MAX, META_RECORD_SEPARATOR, META_VALUE_MAX } from 'fastdfs-client-ts/protocol';

/*
 * Metadata as the storage keeps it in `<file>-m`: `name \x02 value` records joined by `\x01`,
 * sorted by name. Done on bytes, the way the C server does it:
 *   split  fdfs_split_metadata_ex (tracker/tracker_proto.c 318-394): a record without \x02 is
 *          dropped; names are cut to 64 bytes, values to 256.
 *   sort   storage_sort_metadata_buff (storage/storage_service.c 2034-2054), strcmp order.
 *   merge  storage_do_set_metadata (2928-3134): old records kept, new ones insert or replace.
 */
export interface MetaRecord {
  name: Buffer;
  value: Buffer;
}

export function splitMetadata(buf: Buffer): MetaRecord[] {
  const records: MetaRecord[] = [];
  if (buf.length === 0) return records;
  let start = 0;
  for (;;) {
    let end = buf.indexOf(META_RECORD_SEPARATOR, start);
    if (end === -1) end = buf.length;
    const row = cString(buf.subarray(start, end));
    const sep = row.indexOf(META_FIELD_SEPARATOR);
    if (sep !== -1) {
      records.push({ name: row.subarray(0, Math.min(sep, META_NAME_MAX)), value: row.subarray(sep + 1).subarray(0, META_VALUE_MAX) });
    }
    if (end === buf.length) break;
    start = end + 1;
  }
  return records;
}

/** The C code works on NUL-terminated strings: a NUL ends the text. */
function cString(buf: Buffer): Buffer {
  const nul = buf.indexOf(0);
  return nul === -1 ? buf : buf.subarray(0, nul);
}

export function sortRecords(records: MetaRecord[]): MetaRecord[] {
  return [...records].sort((a, b) => Buffer.compare(a.name, b.name));
}

export function packRecords(records: MetaRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    if (parts.length > 0) parts.push(Buffer.of(META_RECORD_SEPARATOR));
    parts.push(r.name, Buffer.of(META_FIELD_SEPARATOR), r.value);
  }
  return Buffer.concat(parts);
}

/** 'M': a merge join of the stored (sorted) records with the new ones, new values winning. */
export function mergeRecords(old: MetaRecord[], incoming: MetaRecord[]): MetaRecord[] {
  const byName = new Map<string, MetaRecord>();
  for (const r of [...old, ...incoming]) byName.set(r.name.toString('latin1'), r);
  return sortRecords([...byName.values()]);
}
