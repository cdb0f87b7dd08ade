import { Readable } from 'node:stream';
import { readClientConf } from './client-conf.js';
import { call, callStream, retrySafe } from './net/call.js';
import { type Content, contentSize } from './net/content.js';
import {
  checkBoolean,
  checkGroup,
  checkMetadata,
  checkNonNegativeInteger,
  checkOneOf,
  checkOptionalGroup,
  checkOptionalNonNegativeInteger,
  checkOptionalString,
  checkOptions,
  checkString,
  checkUploadSource,
  toAddress,
  toStoreTarget,
  toGroupFile,
} from './arguments.js';
import {
  ConnectError,
  ConnectionClosedError,
  ErrorCode,
  FdfsError,
  FileTooLargeError,
  InvalidArgumentError,
  StatusError,
  TimeoutError,
} from './errors.js';
import type { ResponseStream } from './net/connection.js';
import { ConnectionPool, type PoolStats } from './net/pool.js';
import { ReadRouter } from './net/read-router.js';
import { TrackerSet, type TrackerState } from './net/tracker-set.js';
import { type FdfsClientOptions, type ResolvedClientOptions, resolveClientOptions } from './options.js';
import {
  ActiveTest,
  type Address,
  Append,
  buildSlaveFilename,
  type Command,
  decodeFileId,
  Delete,
  Download,
  Errno,
  extOfFilename,
  type FetchTargets,
  type FileIdInfo,
  formatAddress,
  GetMetadata,
  type GroupFile,
  type GroupStat,
  ListAllGroups,
  ListOneGroup,
  ListStorage,
  type Metadata,
  type MetadataMode,
  type ParsedFileId,
  parseFileId,
  Modify,
  QueryFetchAll,
  QueryFetchOne,
  QueryFileInfo,
  QueryStore,
  QueryStoreAll,
  QueryStoreAllInGroup,
  QueryStoreInGroup,
  QueryUpdate,
  RegenerateAppender,
  type RemoteFileInfo,
  SetMetadata,
  STORAGE_ID_SIZE,
  type StorageStat,
  type StoreTarget,
  type StoreTargets,
  Truncate,
  Upload,
  UploadAppender,
  UploadSlave,
  validateExt,
} from 'fastdfs-protocol';

/** Bytes to upload: a Buffer, or a stream whose size is given in the options. */
export type UploadSource = Buffer | Readable | AsyncIterable<Buffer>;

export interface UploadOptions {
  /** Extension without the dot, at most 6 of A-Z a-z 0-9 - _ . (default none). */
  ext?: string;
  /** Store in this group; default: the tracker picks. */
  group?: string;
  /** Required when the source is a stream: the exact number of bytes it will yield. */
  size?: number;
  /** Metadata set right after the upload (the file is deleted again if that fails, as the C client does). */
  metadata?: Metadata;
  /**
   * Store on this storage, as a `queryStore()` answer names it: no tracker query (the C client's
   * storage_upload_by_filename given a storage server). A caller with other work to do first can
   * ask the tracker meanwhile: cut_svr does while it fetches and crops. With `group`, the two
   * must agree.
   */
  target?: StoreTarget;
}

export interface SlaveOptions {
  /** Appended to the master's name before the extension, e.g. `_150x150`; must not be empty. */
  prefix: string;
  /** Extension without the dot; default the master's, '' for none. */
  ext?: string;
  size?: number;
}

export interface RangeOptions {
  offset?: number;
  /** Bytes to read; 0 or absent: to the end. */
  length?: number;
}

export interface DownloadOptions extends RangeOptions {
  /**
   * Read from this storage (`host:port` or `{ host, port }`): no tracker query, no read routing.
   * For a file the storage the tracker names does not have yet (replication delay): its source
   * storage, whose IP the file id holds, as the FastDFS nginx module does.
   */
  storage?: Address | string;
}

export interface ClientStatus {
  trackers: TrackerState[];
  pools: PoolStats[];
}

/** Beyond this many storage addresses, the least recently used idle pool is closed. */
const STORAGE_POOL_LIMIT = 256;

/**
 * FastDFS client. Picks storages the way the C client does (client/storage_client.c 36-48):
 * uploads ask QUERY_STORE, downloads and file info QUERY_FETCH_ONE, and everything that
 * changes an existing file (delete, metadata, append, modify, truncate, slave upload,
 * regenerate) QUERY_UPDATE, i.e. the file's source storage. Reads skip QUERY_FETCH_ONE when
 * the group's cached storage list already says, by the tracker's own rule, which storage has
 * the file (`directReads`, see `read` and net/read-router.ts).
 */
export class FdfsClient {
  readonly options: Readonly<ResolvedClientOptions>;
  private readonly trackers: TrackerSet;
  private readonly storagePools = new Map<string, ConnectionPool>();
  /** Undefined when `directReads` is off: every read asks the tracker. */
  private readonly readRouter: ReadRouter | undefined;
  private closed = false;

  constructor(options: FdfsClientOptions) {
    this.options = resolveClientOptions(options);
    this.trackers = new TrackerSet(
      this.options.trackers.map((t) => this.newPool(t)),
      this.options.trackerRetryInterval,
    );
    if (this.options.directReads) {
      this.readRouter = new ReadRouter(
        { ttl: this.options.storageListTtl, syncFileMaxDelay: this.options.storageSyncFileMaxDelay },
        (group) => this.tracker(ListStorage, { group }),
      );
    }
  }

  /** A client configured from a FastDFS client.conf; `overrides` win over the file. */
  static fromConfFile(path: string, overrides: Partial<FdfsClientOptions> = {}): FdfsClient {
    checkString('path', path);
    checkOptions('overrides', overrides);
    return new FdfsClient({ ...readClientConf(path), ...overrides });
  }

  // ---- tracker commands -------------------------------------------------------------

  async queryStore(group?: string): Promise<StoreTarget> {
    checkOptionalGroup('group', group);
    return group === undefined ? this.tracker(QueryStore, undefined) : this.tracker(QueryStoreInGroup, group);
  }

  async queryStoreAll(group?: string): Promise<StoreTargets> {
    checkOptionalGroup('group', group);
    return group === undefined ? this.tracker(QueryStoreAll, undefined) : this.tracker(QueryStoreAllInGroup, group);
  }

  /** The storage to read `fileId` from (QUERY_FETCH_ONE). */
  async queryFetch(fileId: string): Promise<FetchTargets> {
    return this.tracker(QueryFetchOne, toGroupFile('fileId', fileId));
  }

  /** Every storage that can serve `fileId` (QUERY_FETCH_ALL). */
  async queryFetchAll(fileId: string): Promise<FetchTargets> {
    return this.tracker(QueryFetchAll, toGroupFile('fileId', fileId));
  }

  /** The storage to change `fileId` on: its source (QUERY_UPDATE). */
  async queryUpdate(fileId: string): Promise<FetchTargets> {
    return this.tracker(QueryUpdate, toGroupFile('fileId', fileId));
  }

  listGroups(): Promise<GroupStat[]> {
    return this.tracker(ListAllGroups, undefined);
  }

  async listGroup(group: string): Promise<GroupStat> {
    checkGroup('group', group);
    return this.tracker(ListOneGroup, group);
  }

  async listStorages(group: string, storageId?: string): Promise<StorageStat[]> {
    checkGroup('group', group);
    checkOptionalString('storageId', storageId);
    if (storageId !== undefined && storageId.length >= STORAGE_ID_SIZE) {
      throw new InvalidArgumentError(
        `storageId must be at most ${STORAGE_ID_SIZE - 1} characters, got ${storageId.length}`,
      );
    }
    return this.tracker(ListStorage, storageId === undefined ? { group } : { group, storageId });
  }

  /** ACTIVE_TEST against a tracker (the next in turn) or a given server address. */
  async activeTest(server?: Address | string): Promise<void> {
    if (server === undefined) return this.tracker(ActiveTest, undefined);
    return this.onPool(this.poolFor(toAddress('server', server)), ActiveTest, undefined);
  }

  // ---- storage commands -------------------------------------------------------------

  /** Uploads a file and returns its file id (`group1/M00/00/00/xxx.ext`). */
  async upload(source: UploadSource, options: UploadOptions = {}): Promise<string> {
    return this.uploadAs(Upload, source, options);
  }

  /** Uploads an appender file: one that append, modify and truncate may change later. */
  async uploadAppender(source: UploadSource, options: UploadOptions = {}): Promise<string> {
    return this.uploadAs(UploadAppender, source, options);
  }

  private async uploadAs(command: typeof Upload, source: UploadSource, options: UploadOptions): Promise<string> {
    checkOptions('options', options);
    const ext = options.ext ?? '';
    checkString('options.ext', ext);
    validateExt(ext);
    checkOptionalGroup('options.group', options.group);
    if (options.metadata !== undefined) checkMetadata('options.metadata', options.metadata);
    const given = options.target === undefined ? undefined : toStoreTarget('options.target', options.target);
    if (given !== undefined && options.group !== undefined && options.group !== given.group) {
      throw new InvalidArgumentError(`options.group ${options.group} is not options.target.group ${given.group}`);
    }
    const content = toContent(source, options.size);
    const target = given ?? (await this.queryStore(options.group));
    const head = { storePathIndex: target.storePathIndex, fileSize: contentSize(content), ext };
    const fileId = toFileId(await tooLarge(this.onPool(this.poolFor(target), command, head, content), head.fileSize));
    if (options.metadata !== undefined && Object.keys(options.metadata).length > 0) {
      try {
        await this.setMetadata(fileId, options.metadata, 'overwrite');
      } catch (err) {
        await this.delete(fileId).catch(() => undefined);
        throw err;
      }
    }
    return fileId;
  }

  /** Uploads a slave file next to `masterFileId` (a thumbnail, say) and returns its id. */
  async uploadSlave(masterFileId: string, source: UploadSource, options: SlaveOptions): Promise<string> {
    const master = toGroupFile('masterFileId', masterFileId);
    if (options === undefined) throw new InvalidArgumentError('options must be an object with a prefix, got undefined');
    checkOptions('options', options);
    checkString('options.prefix', options.prefix);
    checkOptionalString('options.ext', options.ext);
    const ext = options.ext ?? extOfFilename(master.filename);
    // The storage refuses an empty prefix outright (storage_service.c 5524-5530).
    if (options.prefix === '') throw new InvalidArgumentError('a slave file needs a non-empty prefix');
    buildSlaveFilename(master.filename, options.prefix, ext); // validates before any I/O
    const content = toContent(source, options.size);
    const head = { masterFilename: master.filename, fileSize: contentSize(content), prefix: options.prefix, ext };
    return toFileId(await tooLarge(this.onSource(master, UploadSlave, head, content), head.fileSize));
  }

  async append(fileId: string, source: UploadSource, options: { size?: number } = {}): Promise<void> {
    const file = toGroupFile('fileId', fileId);
    checkOptions('options', options);
    const content = toContent(source, options.size);
    const head = { filename: file.filename, fileSize: contentSize(content) };
    await tooLarge(this.onSource(file, Append, head, content), head.fileSize);
  }

  async modify(fileId: string, offset: number, source: UploadSource, options: { size?: number } = {}): Promise<void> {
    const file = toGroupFile('fileId', fileId);
    checkNonNegativeInteger('offset', offset);
    checkOptions('options', options);
    const content = toContent(source, options.size);
    const head = { filename: file.filename, offset, fileSize: contentSize(content) };
    await tooLarge(this.onSource(file, Modify, head, content), head.fileSize);
  }

  async truncate(fileId: string, size = 0): Promise<void> {
    const file = toGroupFile('fileId', fileId);
    checkNonNegativeInteger('size', size);
    await tooLarge(this.onSource(file, Truncate, { filename: file.filename, truncatedSize: size }), size);
  }

  /** Turns an appender file into a normal one under a new name (FastDFS 6.02+); returns the new id. */
  async regenerateAppenderFilename(fileId: string): Promise<string> {
    const file = toGroupFile('fileId', fileId);
    return toFileId(await this.onSource(file, RegenerateAppender, file.filename));
  }

  async delete(fileId: string): Promise<void> {
    const file = toGroupFile('fileId', fileId);
    await this.onSource(file, Delete, file);
  }

  /**
   * Downloads into memory. The end of the file is handled differently by FastDFS versions:
   * 6.15.4+ clips a length past the end and refuses an offset at or past it (EINVAL, so an empty
   * file cannot be downloaded); earlier versions refuse a length past the end (EINVAL), answer an
   * offset at the end with no bytes, and one past it with a malformed reply (a ProtocolError).
   */
  async download(fileId: string, range: DownloadOptions = {}): Promise<Buffer> {
    const file = toParsedFileId('fileId', fileId);
    const { offset, length, storage } = toDownloadOptions(range);
    const request = { group: file.group, filename: file.filename, offset, length };
    // A range download asks for `length` bytes at most; a whole-file one is bounded by Buffer's own limit.
    const run = (pool: ConnectionPool): Promise<Buffer> =>
      pool.use((c) => call(c, Download, request, Number.MAX_SAFE_INTEGER), Download.idempotent);
    return pastTheEnd(this.readOn(storage, file, run), request);
  }

  /** Downloads as a stream read straight off the socket; `contentLength` is known up front. */
  async downloadStream(fileId: string, range: DownloadOptions = {}): Promise<ResponseStream> {
    const file = toParsedFileId('fileId', fileId);
    const { offset, length, storage } = toDownloadOptions(range);
    const request = { group: file.group, filename: file.filename, offset, length };
    const run = (pool: ConnectionPool): Promise<ResponseStream> =>
      pool.useStream((c) => callStream(c, Download, request, this.max), Download.idempotent);
    return pastTheEnd(this.readOn(storage, file, run), request);
  }

  async setMetadata(fileId: string, metadata: Metadata, mode: MetadataMode = 'overwrite'): Promise<void> {
    const file = toGroupFile('fileId', fileId);
    checkMetadata('metadata', metadata);
    checkOneOf('mode', mode, METADATA_MODES);
    await this.onSource(file, SetMetadata, { ...file, mode, metadata });
  }

  /** Metadata of a file; FastDFS answers NOT_FOUND both for a missing file and for one without metadata. */
  async getMetadata(fileId: string): Promise<Metadata> {
    const file = toGroupFile('fileId', fileId);
    return this.onSource(file, GetMetadata, file);
  }

  /**
   * QUERY_FILE_INFO: size and time from the storage's disk; CRC32 computed for appender files,
   * and for slave files from FastDFS 6.15.1 on (earlier versions report the master's CRC32,
   * which the slave's name carries).
   */
  async queryFileInfo(
    fileId: string,
    options: { computeCrc32?: boolean; storage?: Address | string } = {},
  ): Promise<RemoteFileInfo> {
    const file = toParsedFileId('fileId', fileId);
    checkOptions('options', options);
    checkBoolean('options.computeCrc32', options.computeCrc32);
    const storage = options.storage === undefined ? undefined : toAddress('options.storage', options.storage);
    const request = { group: file.group, filename: file.filename, computeCrc32: options.computeCrc32 ?? true };
    return this.readOn(storage, file, (pool) => this.onPool(pool, QueryFileInfo, request));
  }

  /**
   * What `fdfs_get_file_info` reports: decoded from the name alone, except for appender and
   * slave files (whose name does not hold their size) when `fromServer` is true.
   */
  async fileInfo(
    fileId: string,
    options: { fromServer?: boolean } = {},
  ): Promise<FileIdInfo & { fromServer: boolean }> {
    checkString('fileId', fileId);
    checkOptions('options', options);
    checkBoolean('options.fromServer', options.fromServer);
    const info = decodeFileId(fileId);
    if (!(options.fromServer ?? true) || (info.type === 'normal' && info.sourceIp !== '')) {
      return { ...info, fromServer: false };
    }
    const remote = await this.queryFileInfo(fileId);
    return {
      ...info,
      fileSize: remote.fileSize,
      crc32: remote.crc32,
      createTimestamp: remote.createTimestamp,
      sourceIp: remote.sourceIp || info.sourceIp,
      fromServer: true,
    };
  }

  // ---- plumbing ---------------------------------------------------------------------

  status(): ClientStatus {
    return {
      trackers: this.trackers.status(),
      pools: [...this.trackers.pools, ...this.storagePools.values()].map((p) => p.stats()),
    };
  }

  /** Closes every pooled connection; calls after this fail with FDFS_ERR_POOL_CLOSED. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pool of [...this.trackers.pools, ...this.storagePools.values()]) pool.close();
    this.storagePools.clear();
  }

  private get max(): number {
    return this.options.maxResponseBody;
  }

  /** A tracker command, on the next tracker in turn (failing over to the others). */
  private tracker<Req, Res>(command: Command<Req, Res>, request: Req): Promise<Res> {
    if (this.closed) return Promise.reject(new FdfsError(ErrorCode.POOL_CLOSED, 'client is closed'));
    return this.trackers.use((c) => call(c, command, request, this.max), command.idempotent);
  }

  /** A command on a pooled connection to one server. */
  private onPool<Req, Res>(
    pool: ConnectionPool,
    command: Command<Req, Res>,
    request: Req,
    content?: Content,
  ): Promise<Res> {
    return pool.use((c) => call(c, command, request, this.max, content), retrySafe(command, content));
  }

  /** A command that changes `file`, on its source storage (QUERY_UPDATE), as the C client does. */
  private async onSource<Req, Res>(
    file: GroupFile,
    command: Command<Req, Res>,
    request: Req,
    content?: Content,
  ): Promise<Res> {
    return this.onPool(await this.storagePool(QueryUpdate, file), command, request, content);
  }

  /**
   * Runs a read on a storage that has `file`: one picked from the group's cached storage list
   * when the read router can tell (no tracker round trip), else the one the tracker names
   * (QUERY_FETCH_ONE). A directly routed read goes the tracker's way after all when the storage
   * cannot be reached (the group's list is dropped too), or when it answers ENOENT and is not
   * the file's source (it may not have received the file yet, or the clocks of client and
   * tracker disagree about the file's age); the source's ENOENT is final, as the tracker would
   * name the same storage. When the tracker names the storage that failed, its error stands.
   */
  private async read<T>(file: ParsedFileId, run: (pool: ConnectionPool) => Promise<T>): Promise<T> {
    let route = this.readRouter?.route(file);
    if (route instanceof Promise) route = await route;
    if (route === undefined) return run(await this.storagePool(QueryFetchOne, file));
    const direct = this.poolFor(route.address);
    try {
      return await run(direct);
    } catch (err) {
      const unreachable = isUnreachable(err);
      if (unreachable) this.readRouter?.forget(file.group);
      if (!unreachable && !(isNotFound(err) && !route.source)) throw err;
      const pool = await this.storagePool(QueryFetchOne, file);
      // The tracker names the storage that just failed: going again would fail the same way.
      if (pool === direct) throw err;
      return run(pool);
    }
  }

  /** A read on the storage the caller names (no tracker query, no routing), or as `read` picks. */
  private readOn<T>(
    storage: Address | undefined,
    file: ParsedFileId,
    run: (pool: ConnectionPool) => Promise<T>,
  ): Promise<T> {
    return storage === undefined ? this.read(file, run) : run(this.poolFor(storage));
  }

  /** The pool of the storage the tracker names for `file`: 102 to read it, 103 (its source) to change it. */
  private async storagePool(
    lookup: typeof QueryFetchOne | typeof QueryUpdate,
    file: GroupFile,
  ): Promise<ConnectionPool> {
    const targets = await this.tracker(lookup, file);
    return this.poolFor(targets.storages[0] as Address);
  }

  private newPool(address: Address): ConnectionPool {
    return new ConnectionPool(address, this.options.pool, {
      connectTimeout: this.options.connectTimeout,
      networkTimeout: this.options.networkTimeout,
    });
  }

  /** The pool for a storage address, most recently used last; bounded by STORAGE_POOL_LIMIT. */
  private poolFor(target: Address): ConnectionPool {
    if (this.closed) throw new FdfsError(ErrorCode.POOL_CLOSED, 'client is closed');
    const address = formatAddress(target);
    let pool = this.storagePools.get(address);
    if (pool !== undefined) {
      this.storagePools.delete(address);
    } else {
      pool = this.newPool(target);
      for (const [key, old] of this.storagePools) {
        if (this.storagePools.size < STORAGE_POOL_LIMIT) break;
        if (old.stats().busy === 0) {
          old.close();
          this.storagePools.delete(key);
        }
      }
    }
    this.storagePools.set(address, pool);
    return pool;
  }
}

/** A file id, checked and split (InvalidFileIdError when malformed). */
function toParsedFileId(name: string, fileId: unknown): ParsedFileId {
  checkString(name, fileId);
  return parseFileId(fileId);
}

/** The storage could not be reached at all: nothing was read, so the read may go elsewhere. */
function isUnreachable(err: unknown): boolean {
  return (
    err instanceof ConnectError ||
    (err instanceof TimeoutError && err.code === ErrorCode.CONNECT_TIMEOUT) ||
    (err instanceof ConnectionClosedError && err.beforeReply)
  );
}

function isNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.status === Errno.ENOENT;
}

function toFileId(file: GroupFile): string {
  return `${file.group}/${file.filename}`;
}

function toContent(source: UploadSource, size: unknown): Content {
  checkUploadSource('source', source);
  checkOptionalNonNegativeInteger('options.size', size);
  if (Buffer.isBuffer(source)) {
    if (size !== undefined && size !== source.length) {
      throw new InvalidArgumentError(`options.size ${size} does not match the ${source.length}-byte buffer`);
    }
    return source;
  }
  if (size === undefined) {
    throw new InvalidArgumentError('options.size (a non-negative integer) is required when uploading from a stream');
  }
  return { stream: source, size };
}

/** The options of download and downloadStream, checked (their errors name them `range.*`). */
function toDownloadOptions(range: DownloadOptions): { offset: number; length: number; storage: Address | undefined } {
  checkOptions('range', range);
  const offset = range.offset ?? 0;
  const length = range.length ?? 0;
  checkNonNegativeInteger('range.offset', offset);
  checkNonNegativeInteger('range.length', length);
  const storage = range.storage === undefined ? undefined : toAddress('range.storage', range.storage);
  return { offset, length, storage };
}

/**
 * A download's EINVAL says nothing of why; the usual reason is the range against the file's size,
 * whose rules changed in FastDFS 6.15.4 (see `download`): say so, with the range asked for.
 */
function pastTheEnd<T>(request: Promise<T>, range: { offset: number; length: number }): Promise<T> {
  return request.catch((err: unknown) => {
    if (err instanceof StatusError && err.status === Errno.EINVAL) {
      err.message +=
        ` (offset ${range.offset}, length ${range.length}: FastDFS 6.15.4+ refuses an offset at or past the end ` +
        'of the file, so an empty file too, and earlier versions a length past it)';
    }
    throw err;
  });
}

const METADATA_MODES: readonly MetadataMode[] = ['overwrite', 'merge'];

/**
 * EFBIG names no size: say how many bytes were sent and which limit refused them (the storage's
 * max_upload_file_size; FastDFS itself has none, the embedded server has).
 */
function tooLarge<T>(request: Promise<T>, size: number): Promise<T> {
  return request.catch((err: unknown) => {
    if (err instanceof StatusError && err.status === Errno.EFBIG) throw new FileTooLargeError(err, size);
    throw err;
  });
}

export type { Readable };
