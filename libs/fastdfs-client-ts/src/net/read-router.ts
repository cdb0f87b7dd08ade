import { type Address, describeParsed, type ParsedFileId, type StorageStat, StorageStatus } from 'fastdfs-protocol';

/** What a read is sent to without asking the tracker; `source` when it is the storage that wrote the file. */
export interface DirectRoute {
  address: Address;
  /**
   * True when the storage is the file's source: it answers ENOENT only for a file that is gone,
   * so that answer is final. Another storage may not have received the file yet.
   */
  source: boolean;
}

export interface ReadRouterOptions {
  /** Milliseconds a group's storage list is used before it is fetched again. */
  ttl: number;
  /** Milliseconds after its creation a file is on every active storage (storage_sync_file_max_delay). */
  syncFileMaxDelay: number;
}

/** One readable storage of a cached group list. */
interface CachedStorage {
  address: Address;
  id: string;
  /** The tracker's last_synced_timestamp: the storage has every file created before it (seconds). */
  lastSyncedTimestamp: number;
}

interface GroupEntry {
  /** Undefined when the tracker could not list the group: reads ask the tracker until `expiresAt`. */
  storages: CachedStorage[] | undefined;
  expiresAt: number;
  /** Round-robin position among the storages that have a file. */
  next: number;
}

/** Groups cached at once; beyond it the oldest entry goes (file ids can name any group). */
const MAX_GROUPS = 256;
/** rw_mode R_OK (tracker_types.h): the storage serves reads. Legacy trackers report 6 (both). */
const R_OK = 4;

/**
 * Routes reads (download, QUERY_FILE_INFO) from a cached list of each group's storages instead of
 * a tracker QUERY_FETCH_ONE per read, with the tracker's own rule (tracker_mem.c
 * tracker_mem_get_storage_by_filename): a storage can serve a file when it is ACTIVE and readable
 * and it is the file's source (the IP or storage id in the file id), or the file is older than
 * storage_sync_file_max_delay, or the storage's last_synced_timestamp is past the file's
 * creation. Appender and slave files only ever on their source. When no cached storage qualifies
 * (the list is empty or could not be fetched, the source of a young file is not ACTIVE, or is not
 * listed under the IP its files carry, or shares that IP with another storage) the caller asks
 * the tracker.
 *
 * The list is fetched by `list` (tracker LIST_STORAGE) when a read finds it missing or expired,
 * one fetch per group at a time; a failed fetch is remembered for `ttl` so that a tracker that
 * cannot list costs one round trip per `ttl`, not one per read.
 */
export class ReadRouter {
  private readonly groups = new Map<string, GroupEntry>();
  private readonly fetching = new Map<string, Promise<GroupEntry>>();

  constructor(
    private readonly options: ReadRouterOptions,
    private readonly list: (group: string) => Promise<StorageStat[]>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A storage that has `file` by the tracker's rule, or undefined: ask the tracker. Synchronous
   * while the group's list is fresh (the hot path takes no promise); a promise when it is fetched.
   */
  route(file: ParsedFileId): DirectRoute | undefined | Promise<DirectRoute | undefined> {
    const now = this.now();
    const entry = this.groups.get(file.group);
    if (entry !== undefined && entry.expiresAt > now) return this.pickFrom(entry, file, now);
    return this.refresh(file.group).then((fetched) => this.pickFrom(fetched, file, this.now()));
  }

  private pickFrom(entry: GroupEntry, file: ParsedFileId, now: number): DirectRoute | undefined {
    const storages = entry.storages;
    if (storages === undefined || storages.length === 0) return undefined;
    return pick(entry, storages, file, now, this.options.syncFileMaxDelay);
  }

  /** Drops a group's list (a storage of it failed to connect): the next read fetches it again. */
  forget(group: string): void {
    this.groups.delete(group);
  }

  private refresh(group: string): Promise<GroupEntry> {
    let pending = this.fetching.get(group);
    if (pending === undefined) {
      pending = this.fetch(group).finally(() => this.fetching.delete(group));
      this.fetching.set(group, pending);
    }
    return pending;
  }

  private async fetch(group: string): Promise<GroupEntry> {
    let storages: CachedStorage[] | undefined;
    try {
      storages = readable(await this.list(group));
    } catch {
      // Not every tracker lists (a proxy, a test double); the read goes the tracker's way instead.
      storages = undefined;
    }
    const entry: GroupEntry = { storages, expiresAt: this.now() + this.options.ttl, next: 0 };
    this.groups.delete(group);
    if (this.groups.size >= MAX_GROUPS) this.groups.delete(this.groups.keys().next().value as string);
    this.groups.set(group, entry);
    return entry;
  }
}

function readable(stats: StorageStat[]): CachedStorage[] {
  const out: CachedStorage[] = [];
  for (const s of stats) {
    if (s.status !== StorageStatus.ACTIVE || (s.rwMode & R_OK) === 0) continue;
    out.push({
      address: { host: s.ip, port: s.storagePort },
      id: s.id,
      lastSyncedTimestamp: s.counters.lastSyncedTimestamp,
    });
  }
  return out;
}

function pick(
  entry: GroupEntry,
  storages: CachedStorage[],
  file: ParsedFileId,
  now: number,
  syncFileMaxDelay: number,
): DirectRoute | undefined {
  const info = describeParsed(file);
  // The tracker matches a storage id when the name holds one, else the IP (tracker_mem.c 6236-6243).
  const sourceKey = info.sourceId !== 0 ? String(info.sourceId) : info.sourceIp;
  let source: CachedStorage | undefined;
  let sources = 0;
  for (const s of storages) {
    if ((info.sourceId !== 0 ? s.id : s.address.host) === sourceKey) {
      source = s;
      sources++;
    }
  }
  // Two storages on one IP (different ports): the name does not say which; the tracker knows.
  if (sources > 1) source = undefined;
  if (info.type !== 'normal') return source === undefined ? undefined : { address: source.address, source: true };
  const old = info.createTimestamp * 1000 < now - syncFileMaxDelay;
  const hasFile = (s: CachedStorage): boolean => s === source || old || s.lastSyncedTimestamp > info.createTimestamp;
  let count = 0;
  for (const s of storages) if (hasFile(s)) count++;
  if (count === 0) return undefined;
  let n = entry.next++ % count;
  if (entry.next >= count) entry.next = 0;
  for (const s of storages) {
    if (hasFile(s) && n-- === 0) return { address: s.address, source: s === source };
  }
  return undefined;
}
