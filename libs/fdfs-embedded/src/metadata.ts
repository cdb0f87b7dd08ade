import { META_FIELD_SEPARATOR, META_RECORD_SEPARATOR, type MetaRecord } from 'fastdfs-client-ts/protocol';

export type { MetaRecord };

/*
 * Metadata as the storage keeps it in `<file>-m`: `name \x02 value` records joined by `\x01`,
 * sorted by name. Done on bytes, the way the C server does it:
 *   split  splitMetadata in the protocol codec (fdfs_split_metadata_ex).
 *   sort   storage_sort_metadata_buff (storage/storage_service.c 2034-2054), strcmp order.
 *   merge  storage_do_set_metadata (2928-3134): old records kept, new ones insert or replace.
 */
export { splitMetadata } from 'fastdfs-client-ts/protocol';

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
