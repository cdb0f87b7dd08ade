import type { MetaRecord } from 'fastdfs-protocol';

/*
 * Metadata as the storage keeps it in `<file>-m`: the records of the metadata text (split and
 * packed by fastdfs-protocol), sorted by name. Done on bytes, the way the C server does it:
 *   sort   storage_sort_metadata_buff (storage/storage_service.c 2034-2054), strcmp order.
 *   merge  storage_do_set_metadata (2928-3134): old records kept, new ones insert or replace.
 */

export function sortRecords(records: MetaRecord[]): MetaRecord[] {
  return [...records].sort((a, b) => Buffer.compare(a.name, b.name));
}

/** 'M': a merge join of the stored (sorted) records with the new ones, new values winning. */
export function mergeRecords(old: MetaRecord[], incoming: MetaRecord[]): MetaRecord[] {
  const byName = new Map<string, MetaRecord>();
  for (const r of [...old, ...incoming]) byName.set(r.name.toString('latin1'), r);
  return sortRecords([...byName.values()]);
}
