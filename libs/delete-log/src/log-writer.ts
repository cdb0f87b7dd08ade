import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isMissing, syncDir } from './durable-fs.js';
import { formatEntries, type DeleteEntry } from './entry.js';

export interface DeleteLogWriterOptions {
  /** The log: `<base_path>/log/delete.log`. Its folder is created when missing. */
  path: string;
  /**
   * fdatasync(2) before acknowledging. Default true; false only for benchmarks and tests
   * (conf `fsync = false`): an acknowledged entry may then be lost in a crash.
   */
  sync?: boolean;
  /** The most bytes one group write holds; what is queued beyond it goes in the next group. Default 4 MiB. */
  maxGroupBytes?: number;
  /**
   * Bytes of appends not yet settled (queued, written, or being synced); an append past it fails
   * with DeleteLogFullError. Bounds the memory a stalled disk can make the server hold. Default 64 MiB.
   */
  maxQueuedBytes?: number;
}

export const DELETE_LOG_WRITER_DEFAULTS = Object.freeze({
  sync: true,
  maxGroupBytes: 4 * 1024 * 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
});

export interface DeleteLogStats {
  /** append() calls acknowledged: their entries are in the log (and synced, unless sync is off). */
  appends: number;
  entries: number;
  /** Group writes: each one write(2) of every append that waited for it. */
  writes: number;
  /** fdatasync(2) calls: each covers every group written before it started (0 with sync off). */
  syncs: number;
  /** Times the log was found renamed away (rotated by del_file_ontime) and opened again. */
  reopens: number;
  /** Groups written again into a new log because the one they were written to had been renamed away. */
  rewrites: number;
}

/** The appends not yet settled already hold maxQueuedBytes. */
export class DeleteLogFullError extends Error {
  override readonly name = 'DeleteLogFullError';
}

interface Pending {
  text: string;
  bytes: number;
  entries: number;
  resolve(): void;
  reject(err: unknown): void;
}

/** Appends written with one write(2), acknowledged together. */
interface Group {
  pendings: Pending[];
  data: Buffer;
  /** The appends' bytes, counted in unsettledBytes until the group is acknowledged or failed. */
  bytes: number;
  attempts: number;
}

/** An open descriptor of the log; `busy` counts its groups written but not yet settled by a sync. */
interface OpenLog {
  handle: FileHandle;
  dev: bigint;
  ino: bigint;
  busy: number;
  retired: boolean;
  closed: boolean;
}

/** A group written this many times into logs that were renamed away at once: something renames in a loop. */
const MAX_ATTEMPTS = 8;
const NEWLINE = Buffer.from('\n');

/**
 * The writing side of the delete log, for one process; several processes may write the same log.
 *
 * Group commit, in two stages that overlap. The write stage takes every queued append (up to
 * maxGroupBytes) and writes them with one write(2) on an O_APPEND descriptor (so the writes of
 * several processes never interleave within a group), then takes the next queue at once. The sync
 * stage takes every group written so far, runs one fdatasync(2) and, beside it, a stat(2) of the
 * log's path, then acknowledges all of them; meanwhile the write stage goes on, and what it writes
 * waits for the next sync. One sync per round, however many requests it covers.
 *
 * Rotation (del_file_ontime renames the log away, then reads the renamed file): the log's path is
 * stat'ed and compared with the open descriptor (dev, inode) before a group write when no sync round
 * runs, and beside each fdatasync; when it names another file or none, the log is opened again
 * (O_CREAT; its folder fsynced). A rename can come between a check and a write, so the stat of the
 * sync stage, after the writes, decides:
 * when the path no longer names the file written, the groups are not acknowledged but written again
 * into the new log, and checked again. So an acknowledged entry is in a file that was still named
 * `delete.log` after the entry was written: a reader that renames the log and then reads the
 * renamed file finds it (the proof is in docs/services/del-file-ontime.md). A group caught that way
 * is in both files: delivery is at-least-once, and deletes are idempotent.
 */
export class DeleteLogWriter {
  readonly path: string;
  private readonly options: Readonly<Required<Omit<DeleteLogWriterOptions, 'path'>>>;
  private file: OpenLog | undefined;
  /** Appends not yet in a group. */
  private queue: Pending[] = [];
  /** Bytes of appends accepted and not yet settled: queued, written, waiting for a sync. */
  private unsettledBytes = 0;
  /** Groups to write again: their log was renamed away. Written before the queue. */
  private rewriteQueue: Group[] = [];
  /** Groups written, waiting for the sync stage. */
  private written: { group: Group; file: OpenLog }[] = [];
  private writing: Promise<void> | undefined;
  private syncing: Promise<void> | undefined;
  private opened = false;
  private closed = false;
  /** Descriptors being closed, awaited by close(). */
  private readonly closing = new Set<Promise<void>>();
  private readonly counters: DeleteLogStats = { appends: 0, entries: 0, writes: 0, syncs: 0, reopens: 0, rewrites: 0 };

  constructor(options: DeleteLogWriterOptions) {
    const resolved = { ...DELETE_LOG_WRITER_DEFAULTS, ...stripUndefined(options) };
    for (const key of ['maxGroupBytes', 'maxQueuedBytes'] as const) {
      if (!Number.isSafeInteger(resolved[key]) || resolved[key] <= 0) {
        throw new RangeError(`${key} must be a positive integer, got ${String(resolved[key])}`);
      }
    }
    this.path = options.path;
    this.options = Object.freeze({
      sync: resolved.sync,
      maxGroupBytes: resolved.maxGroupBytes,
      maxQueuedBytes: resolved.maxQueuedBytes,
    });
  }

  /** Creates the folder and opens (or creates) the log: a start fails here, not on the first request. */
  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    this.file = await this.openLog();
    this.opened = true;
  }

  get stats(): DeleteLogStats {
    return { ...this.counters };
  }

  /** Resolves once the entries are in the log and synced; rejects when they may not be. */
  append(entries: readonly DeleteEntry[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`delete log ${this.path} is closed`));
    if (!this.opened) return Promise.reject(new Error(`delete log ${this.path} is not open`));
    if (entries.length === 0) return Promise.resolve();
    const text = formatEntries(entries);
    const bytes = Buffer.byteLength(text);
    const { maxQueuedBytes } = this.options;
    if (this.unsettledBytes + bytes > maxQueuedBytes) {
      const waiting = `${this.unsettledBytes} bytes already wait to be written and synced to ${this.path}`;
      return Promise.reject(new DeleteLogFullError(`${waiting} (maxQueuedBytes ${maxQueuedBytes})`));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text, bytes, entries: entries.length, resolve, reject });
      this.unsettledBytes += bytes;
      this.kickWrites();
    });
  }

  /** Settles what is queued, then closes the log; appends after close() fail. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing !== undefined || this.syncing !== undefined) await Promise.all([this.writing, this.syncing]);
    const file = this.file;
    if (file !== undefined) this.retire(file);
    await Promise.all(this.closing);
  }

  private kickWrites(): void {
    if (this.writing !== undefined || (this.queue.length === 0 && this.rewriteQueue.length === 0)) return;
    this.writing = this.writeStage().finally(() => {
      this.writing = undefined;
      this.kickWrites();
    });
  }

  private kickSyncs(): void {
    if (this.syncing !== undefined || this.written.length === 0) return;
    this.syncing = this.syncStage().finally(() => {
      this.syncing = undefined;
      this.kickSyncs();
    });
  }

  private async writeStage(): Promise<void> {
    for (;;) {
      const group = this.rewriteQueue.shift() ?? this.takeGroup();
      if (group === undefined) return;
      let file: OpenLog;
      try {
        file = await this.currentLog();
      } catch (err) {
        this.fail(group, err);
        continue;
      }
      file.busy++;
      try {
        await this.writeGroup(file.handle, group.data);
      } catch (err) {
        // The file's state after a failed write is unknown: later groups go to a fresh descriptor.
        file.busy--;
        this.retire(file);
        this.fail(group, err);
        continue;
      }
      this.counters.writes++;
      this.written.push({ group, file });
      this.kickSyncs();
    }
  }

  private async syncStage(): Promise<void> {
    while (this.written.length > 0) {
      const round = this.written.splice(0);
      const files = [...new Set(round.map((w) => w.file))];
      // Per file: still named delete.log after its writes (or the error that settles its groups).
      const outcome = new Map<OpenLog, boolean | { error: unknown }>();
      await Promise.all(
        files.map(async (file) => {
          try {
            const [named] = await Promise.all([this.stillNamed(file), this.options.sync ? this.syncData(file) : 0]);
            outcome.set(file, named);
          } catch (error) {
            // fsync errors are reported once: nothing written on this descriptor can be trusted.
            outcome.set(file, { error });
          }
        }),
      );
      for (const { group, file } of round) {
        const result = outcome.get(file) as boolean | { error: unknown };
        file.busy--;
        if (result === true) {
          this.acknowledge(group);
        } else if (result === false) {
          if (!file.retired) this.counters.reopens++; // the next write opens the new log
          this.retire(file);
          this.rewrite(group);
        } else {
          this.retire(file);
          this.fail(group, result.error);
        }
        this.closeIfIdle(file);
      }
      this.kickWrites();
    }
  }

  private fail(group: Group, err: unknown): void {
    this.unsettledBytes -= group.bytes;
    for (const pending of group.pendings) pending.reject(err);
  }

  private acknowledge(group: Group): void {
    this.unsettledBytes -= group.bytes;
    this.counters.appends += group.pendings.length;
    for (const pending of group.pendings) {
      this.counters.entries += pending.entries;
      pending.resolve();
    }
  }

  /** The log the group went to was renamed away: it may have been read already, so it goes in the new log too. */
  private rewrite(group: Group): void {
    group.attempts++;
    if (group.attempts >= MAX_ATTEMPTS) {
      this.fail(group, new Error(`${this.path} was renamed away ${group.attempts} times while one group was written`));
      return;
    }
    this.counters.rewrites++;
    this.rewriteQueue.push(group);
  }

  /** The queued appends that fit in one group write (at least one); undefined when none is queued. */
  private takeGroup(): Group | undefined {
    if (this.queue.length === 0) return undefined;
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length) {
      const next = (this.queue[n] as Pending).bytes;
      if (n > 0 && bytes + next > this.options.maxGroupBytes) break;
      bytes += next;
      n++;
    }
    const pendings = this.queue.splice(0, n);
    return { pendings, data: Buffer.from(`\n${pendings.map((p) => p.text).join('')}`), bytes, attempts: 0 };
  }

  /**
   * write(2) until all of `data` is written. A short write (a signal, a full disk) may let another
   * process append before the rest: the cut line is ended with '\n' (a fragment readers skip) and
   * the rest is written from the start of that line. Protected: tests make a rotation land here.
   */
  protected async writeGroup(handle: FileHandle, data: Buffer): Promise<void> {
    let rest = data;
    for (;;) {
      const { bytesWritten } = await handle.write(rest, 0, rest.length);
      if (bytesWritten === rest.length) return;
      if (bytesWritten <= 0) throw new Error(`write(2) of ${this.path} wrote nothing`);
      const lineStart = rest.lastIndexOf(0x0a, bytesWritten - 1) + 1;
      rest = Buffer.concat([NEWLINE, rest.subarray(lineStart)]);
    }
  }

  private async syncData(file: OpenLog): Promise<void> {
    await file.handle.datasync();
    this.counters.syncs++;
  }

  /**
   * The log to write to: the open one while the path still names it, else a new one. While a sync
   * round runs, its check (after this write or the one before) tells within one round whether the
   * log was renamed, so the write goes ahead; otherwise the path is checked first, so that an idle
   * server's first write after a rotation goes to the new log only. Either way it is the check
   * after the write that decides the acknowledgement.
   */
  private async currentLog(): Promise<OpenLog> {
    const file = this.file;
    if (file !== undefined && !file.retired) {
      if (this.syncing !== undefined || (await this.stillNamed(file))) return file;
      this.counters.reopens++;
      this.retire(file);
    }
    this.file = await this.openLog();
    return this.file;
  }

  private async stillNamed(file: OpenLog): Promise<boolean> {
    try {
      const now = await stat(this.path, { bigint: true });
      return now.ino === file.ino && now.dev === file.dev;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  private async openLog(): Promise<OpenLog> {
    const handle = await open(this.path, 'a');
    try {
      const { dev, ino } = await handle.stat({ bigint: true });
      // The name may have just been created: durable before any entry written under it is acknowledged.
      await syncDir(dirname(this.path));
      return { handle, dev, ino, busy: 0, retired: false, closed: false };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** No new group goes to this file; it is closed once its written groups are settled. */
  private retire(file: OpenLog): void {
    file.retired = true;
    if (this.file === file) this.file = undefined;
    this.closeIfIdle(file);
  }

  private closeIfIdle(file: OpenLog): void {
    if (!file.retired || file.busy > 0 || file.closed) return;
    file.closed = true;
    const closing = file.handle.close().catch(() => undefined);
    this.closing.add(closing);
    void closing.then(() => this.closing.delete(closing));
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
