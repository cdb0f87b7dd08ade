import {
  type Address,
  FdfsError,
  type FdfsClient,
  type FileIdInfo,
  type ResponseStream,
  StatusError,
} from 'fastdfs-client-ts';
import { Errno, QueryFetchOne } from 'fastdfs-protocol';
import type { ByteRange } from './byte-range.js';

/** No cluster has the file: every tracker said it cannot name a storage for it, or the storage said ENOENT. */
export class FileMissingError extends Error {
  constructor(
    readonly fileId: string,
    reason: string,
  ) {
    super(`${fileId}: ${reason}`);
    this.name = 'FileMissingError';
  }
}

export interface FastdfsOriginOptions {
  /**
   * Milliseconds after its creation a file is on every storage of its group (the FastDFS
   * storage_sync_file_max_delay): a younger file that the storage the tracker names does not
   * have is read from its source storage.
   */
  storageSyncFileMaxDelayMs: number;
  /** For tests. */
  now?: () => number;
}

/** Groups whose cluster is remembered; file ids come from the network, but only groups a cluster knows enter. */
const MAX_KNOWN_GROUPS = 1024;

type ReadOn<T> = (client: FdfsClient, storage: Address | undefined) => Promise<T>;

/**
 * Where a download miss reads from: the FastDFS clusters, in hostid order, until one knows the
 * file's group (the one that did is tried first next time), with the nginx module's handling of
 * replication delay (mod_fastdfs common.c): when the storage the tracker names answers ENOENT
 * and the file is younger than storage_sync_file_max_delay, the file is read from its source
 * storage, the IP its id holds, on the port of the storage that answered (a group's storages
 * share their port). Never a file system path: FastDFS is reached through the client only.
 */
export class FastdfsOrigin {
  private readonly groupCluster = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly clients: readonly FdfsClient[],
    private readonly options: FastdfsOriginOptions,
  ) {
    if (clients.length === 0) throw new Error('FastdfsOrigin needs at least one FastDFS client');
    this.now = options.now ?? Date.now;
  }

  /** The whole file in memory (the caller keeps this for files the cache may hold). */
  download(info: FileIdInfo, fileId: string): Promise<Buffer> {
    return this.run(info, fileId, (client, storage) =>
      storage === undefined ? client.download(fileId) : client.download(fileId, { storage }),
    );
  }

  /** The file, or one range of it, as a stream off the storage's socket. */
  stream(info: FileIdInfo, fileId: string, range: ByteRange | undefined): Promise<ResponseStream> {
    const offset = range === undefined ? 0 : range.start;
    const length = range === undefined ? 0 : range.end - range.start + 1;
    return this.run(info, fileId, (client, storage) => client.downloadStream(fileId, { offset, length, storage }));
  }

  /** The file's size from its storage (QUERY_FILE_INFO, no CRC32): it exists, and how large it is. */
  async size(info: FileIdInfo, fileId: string): Promise<number> {
    const remote = await this.run(info, fileId, (client, storage) =>
      client.queryFileInfo(fileId, { computeCrc32: false, storage }),
    );
    return remote.fileSize;
  }

  private async run<T>(info: FileIdInfo, fileId: string, read: ReadOn<T>): Promise<T> {
    const count = this.clients.length;
    const first = this.groupCluster.get(info.group) ?? 0;
    let unavailable: unknown;
    for (let n = 0; n < count; n++) {
      const index = (first + n) % count;
      try {
        const result = await this.onCluster(this.clients[index] as FdfsClient, info, fileId, read);
        this.remember(info.group, index);
        return result;
      } catch (err) {
        if (isTrackerNotFound(err)) continue;
        if (isStorageNotFound(err)) {
          this.remember(info.group, index);
          throw new FileMissingError(fileId, (err as Error).message);
        }
        // This cluster could not be asked: another may still hold the group.
        if (err instanceof FdfsError && err.retriable) {
          unavailable ??= err;
          continue;
        }
        throw err;
      }
    }
    if (unavailable !== undefined) throw unavailable;
    throw new FileMissingError(fileId, `no FastDFS cluster (of ${count}) can name a storage for it`);
  }

  private async onCluster<T>(client: FdfsClient, info: FileIdInfo, fileId: string, read: ReadOn<T>): Promise<T> {
    try {
      return await read(client, undefined);
    } catch (err) {
      if (!isStorageNotFound(err) || info.sourceIp === '' || !this.young(info)) throw err;
      // Rare: the tracker's choice has not received the file yet. Ask which storage that was, for its port.
      const named = (await client.queryFetch(fileId)).storages[0];
      if (named === undefined || named.host === info.sourceIp) throw err; // the source itself has no such file
      return read(client, { host: info.sourceIp, port: named.port });
    }
  }

  private young(info: FileIdInfo): boolean {
    return this.now() - info.createTimestamp * 1000 < this.options.storageSyncFileMaxDelayMs;
  }

  private remember(group: string, index: number): void {
    if (this.groupCluster.get(group) === index) return;
    if (this.groupCluster.size >= MAX_KNOWN_GROUPS) this.groupCluster.clear();
    this.groupCluster.set(group, index);
  }
}

/** The tracker's QUERY_FETCH_ONE ENOENT: this cluster has no such group (or no storage that can serve the file). */
function isTrackerNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.status === Errno.ENOENT && err.operation === QueryFetchOne.name;
}

/** A storage's ENOENT: it has no such file. */
function isStorageNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.status === Errno.ENOENT && err.operation !== QueryFetchOne.name;
}
