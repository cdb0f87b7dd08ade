import { closeSync, fdatasyncSync, fstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isMissing, syncDirSync } from './durable-fs.js';

export interface LogEngineOptions {
  /** The log: `<base_path>/log/delete.log`. */
  path: string;
  /** fdatasync(2) before an append counts as done; false only for benchmarks and tests. */
  sync: boolean;
  /** The most bytes one group write holds (always at least one append). */
  maxGroupBytes: number;
}

/** The counters of a delete-log writer (`DeleteLogWriter#stats`). */
export interface DeleteLogStats {
  /** append() calls acknowledged: their entries are in the log (and synced, unless sync is off). */
  appends: number;
  entries: number;
  /** Group writes: each one write(2) of appends that waited together. */
  writes: number;
  /** fdatasync(2) calls: each covers every group of its commit (0 with sync off). */
  syncs: number;
  /** Times the log was found renamed away (rotated by del_file_ontime) and opened again. */
  reopens: number;
  /** Groups written again into a new log because the one they were written to had been renamed away. */
  rewrites: number;
}

/** The counters of an engine that has done nothing yet. */
export const ZERO_STATS: Readonly<DeleteLogStats> = Object.freeze({
  appends: 0,
  entries: 0,
  writes: 0,
  syncs: 0,
  reopens: 0,
  rewrites: 0,
});

/** One append as the engine takes it: its id (named in the result), its lines, their bytes and entry count. */
export interface EngineAppend {
  readonly id: number;
  readonly text: string;
  readonly bytes: number;
  readonly entries: number;
}

/** What one commit did with its appends: every id is either acknowledged or failed, once. */
export interface CommitResult {
  /** In the log, synced, and the log still named `delete.log` after that. */
  acked: number[];
  /** Not acknowledged (maybe written): the client sends them again. */
  failed: { ids: number[]; message: string }[];
}

interface OpenLog {
  readonly fd: number;
  readonly dev: bigint;
  readonly ino: bigint;
  /** Closed: its fd number may already name another file, so it is never closed twice. */
  closed: boolean;
}

/** Appends written with one write(2). */
interface Group {
  readonly appends: EngineAppend[];
  readonly data: Buffer;
  attempts: number;
}

/** A group written this many times into logs that were renamed away at once: something renames in a loop. */
const MAX_ATTEMPTS = 8;
const NEWLINE = Buffer.from('\n');

/**
 * The delete log's writing, synchronous: it runs on a thread of its own (log-engine-worker.ts),
 * where blocking calls cost the event loop nothing, so a commit is written, synced and checked
 * without a hop through libuv's pool and back between each step.
 *
 * A commit takes every append that waited, writes them in groups of at most maxGroupBytes (one
 * write(2) each, on an O_APPEND descriptor, so the writes of several processes never interleave
 * within a group), runs one fdatasync(2), then stats the log's path: when it still names the file
 * written, every append is acknowledged. When it does not (del_file_ontime renamed the log away,
 * maybe after reading it), the groups are written again into a new `delete.log` and checked again.
 * So an acknowledged entry is in a file that was still named `delete.log` after the entry was
 * written (the argument is in docs/services/del-file-ontime.md). The path is also checked before
 * a commit's first write, so that the first commit after a rotation goes to the new log at once.
 */
export class LogEngine {
  readonly stats: DeleteLogStats;
  private file: OpenLog | undefined;

  /** `stats`: the counts to go on from (those of an engine this one replaces). */
  constructor(
    private readonly options: LogEngineOptions,
    stats: Readonly<DeleteLogStats> = ZERO_STATS,
  ) {
    this.stats = { ...stats };
  }

  /** Creates the folder and opens (or creates) the log. */
  open(): void {
    mkdirSync(dirname(this.options.path), { recursive: true });
    this.file = this.openLog();
  }

  commit(appends: readonly EngineAppend[]): CommitResult {
    const result: CommitResult = { acked: [], failed: [] };
    let groups = this.groupsOf(appends);
    while (groups.length > 0) {
      let file: OpenLog;
      try {
        file = this.currentLog();
      } catch (err) {
        for (const group of groups) this.fail(result, group, err);
        return result;
      }
      const written: Group[] = [];
      const unwritten: Group[] = [];
      let broken: unknown;
      for (const group of groups) {
        if (broken !== undefined) {
          unwritten.push(group); // to a fresh descriptor, in the next round
          continue;
        }
        try {
          this.writeGroup(file.fd, group.data);
          this.stats.writes++;
          written.push(group);
        } catch (err) {
          // The file's state after a failed write is unknown: what follows goes to a fresh descriptor.
          broken = err;
          this.fail(result, group, err);
        }
      }
      groups = unwritten;
      if (written.length === 0) {
        this.retire(file);
        continue;
      }
      let named: boolean;
      try {
        if (this.options.sync) {
          fdatasyncSync(file.fd);
          this.stats.syncs++;
        }
        named = this.stillNamed(file);
      } catch (err) {
        // fsync errors are reported once: nothing written on this descriptor can be trusted.
        this.retire(file);
        for (const group of written) this.fail(result, group, err);
        continue;
      }
      if (broken !== undefined) this.retire(file); // the groups written before the failure stand
      if (named) {
        for (const group of written) this.acknowledge(result, group);
        continue;
      }
      this.stats.reopens++; // the next round opens the new log
      this.retire(file);
      const again: Group[] = [];
      for (const group of written) {
        group.attempts++;
        if (group.attempts >= MAX_ATTEMPTS) {
          const message = `${this.options.path} was renamed away ${group.attempts} times while one group was written`;
          this.fail(result, group, new Error(message));
        } else {
          this.stats.rewrites++;
          again.push(group);
        }
      }
      groups = [...again, ...groups];
    }
    return result;
  }

  /** Closes the log. */
  close(): void {
    if (this.file !== undefined) this.retire(this.file);
  }

  /**
   * write(2) until all of `data` is written. A short write (a signal, a full disk) may let another
   * process append before the rest: the cut line is ended with '\n' (a fragment readers skip) and
   * the rest is written from the start of that line. Protected: tests make a rotation land here.
   */
  protected writeGroup(fd: number, data: Buffer): void {
    let rest = data;
    for (;;) {
      const written = writeSync(fd, rest, 0, rest.length);
      if (written === rest.length) return;
      if (written <= 0) throw new Error(`write(2) of ${this.options.path} wrote nothing`);
      const lineStart = rest.lastIndexOf(0x0a, written - 1) + 1;
      rest = Buffer.concat([NEWLINE, rest.subarray(lineStart)]);
    }
  }

  /** The appends in groups of at most maxGroupBytes each (at least one append per group), in order. */
  private groupsOf(appends: readonly EngineAppend[]): Group[] {
    const groups: Group[] = [];
    let at = 0;
    while (at < appends.length) {
      let bytes = 0;
      let end = at;
      while (end < appends.length) {
        const next = (appends[end] as EngineAppend).bytes;
        if (end > at && bytes + next > this.options.maxGroupBytes) break;
        bytes += next;
        end++;
      }
      const members = appends.slice(at, end);
      groups.push({ appends: members, data: Buffer.from(`\n${members.map((a) => a.text).join('')}`), attempts: 0 });
      at = end;
    }
    return groups;
  }

  private acknowledge(result: CommitResult, group: Group): void {
    for (const append of group.appends) {
      this.stats.appends++;
      this.stats.entries += append.entries;
      result.acked.push(append.id);
    }
  }

  private fail(result: CommitResult, group: Group, err: unknown): void {
    result.failed.push({ ids: group.appends.map((a) => a.id), message: messageOf(err) });
  }

  /** The open log while the path still names it, else a new one. */
  private currentLog(): OpenLog {
    const file = this.file;
    if (file !== undefined) {
      if (this.stillNamed(file)) return file;
      this.stats.reopens++;
      this.retire(file);
    }
    this.file = this.openLog();
    return this.file;
  }

  private stillNamed(file: OpenLog): boolean {
    try {
      const now = statSync(this.options.path, { bigint: true });
      return now.ino === file.ino && now.dev === file.dev;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  private openLog(): OpenLog {
    const fd = openSync(this.options.path, 'a');
    try {
      const { dev, ino } = fstatSync(fd, { bigint: true });
      // The name may have just been created: durable before any entry written under it is acknowledged.
      syncDirSync(dirname(this.options.path));
      return { fd, dev, ino, closed: false };
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** No group goes to this descriptor any more: closed (a commit has no group left on it). */
  private retire(file: OpenLog): void {
    if (this.file === file) this.file = undefined;
    if (file.closed) return;
    file.closed = true;
    try {
      closeSync(file.fd);
    } catch {
      // Already unusable; nothing acknowledged depends on it.
    }
  }
}

/** What a commit's failure, or the thread's, reports of `err`. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
