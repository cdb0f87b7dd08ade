import type { Stats } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Bytes charged per entry on top of its buffer (map entry, path key, stamp): empty files count too. */
export const ENTRY_OVERHEAD = 256;

/** What identifies one state of a file: the inode, and its size and times as stat gives them. */
type FileStamp = Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;

/** A file as the cache serves it. */
export interface CachedFile {
  /** What the reader made of the whole file (a reply: header, then the content). Shared: never written to. */
  readonly framed: Buffer;
  /** Where the file's content starts in `framed`. */
  readonly headLength: number;
  /** The file's size: `framed` holds it all. */
  readonly size: number;
}

interface Entry extends CachedFile {
  readonly stamp: FileStamp;
  /** When a stat last showed the file unchanged (the clock's ms). */
  checkedAt: number;
}

/**
 * Whole small files, as the downloads that read them framed them, most recently used kept, at
 * most `maxBytes` in all (each entry charged its length plus ENTRY_OVERHEAD). A hot file is then
 * answered without open, read and close, and without copying its content (80 KiB cost some 35 µs
 * to read from the page cache on the bench VM).
 *
 * Staying correct. The store's own changes: every command that changes a file does so under the
 * file's lock, and the lock drops the entry when it is released (`invalidate`), so a reply to a
 * command is never followed by a download of what was there before. A download that read a file
 * while such a change ran (downloads take no lock) must not put what it read back after the
 * change dropped the entry: each invalidation moves `generation`, and `put` refuses content read
 * before the last one. Changes made behind the store's back (a file removed, replaced or
 * rewritten by hand): an entry is served only while a stat of its path gives the inode, size,
 * mtime and ctime it was read with (ctime moves with every write, truncate, rename or link count
 * change; a same-size rewrite within one tick of the kernel's coarse clock is what it can miss),
 * and that stat is made again when the last one is `recheckMs` old or more: such a change is seen
 * after at most `recheckMs`. (A stat per download cost about a quarter of a 4 KiB
 * download's CPU time; 0 makes one for every download.)
 */
export class SmallFileCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private invalidations = 0;

  constructor(
    /** Bytes held at most (buffers plus ENTRY_OVERHEAD each); 0 holds nothing. */
    readonly maxBytes: number,
    /** Largest file kept. */
    readonly maxFileBytes: number,
    /** An entry is served without a stat this long after a stat showed its file unchanged. */
    readonly recheckMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Whether `path` has an entry, which a stat of the path must validate (`get`). */
  has(path: string): boolean {
    return this.entries.get(path) !== undefined;
  }

  /** The entry of `path` if a stat showed it unchanged less than recheckMs ago; now the most recently used. */
  recent(path: string): CachedFile | undefined {
    const entry = this.entries.get(path);
    if (entry === undefined || this.clock() - entry.checkedAt >= this.recheckMs) return undefined;
    this.touch(path, entry);
    return entry;
  }

  /**
   * The entry of `path` if `st` (a stat of the path now) shows the file as it was read, else
   * undefined (and a stale entry is dropped). A hit becomes the most recently used.
   */
  get(path: string, st: FileStamp): CachedFile | undefined {
    const entry = this.entries.get(path);
    if (entry === undefined) return undefined;
    if (!sameFile(entry.stamp, st)) {
      this.forget(path);
      return undefined;
    }
    entry.checkedAt = this.clock();
    this.touch(path, entry);
    return entry;
  }

  /** Taken before reading a file to `put` it: a put after an invalidation since then is refused. */
  get generation(): number {
    return this.invalidations;
  }

  /**
   * Keeps the whole file `path`, read while it was `st` (the fstat of the descriptor read), framed
   * as `framed` with its content from `headLength` on; least recently used entries make room.
   * Refused when the file is over maxFileBytes or `generation` is no longer current.
   */
  put(path: string, st: FileStamp, framed: Buffer, headLength: number, generation: number): void {
    if (generation !== this.invalidations || st.size > this.maxFileBytes) return;
    const cost = charge(framed);
    if (cost > this.maxBytes) return;
    this.forget(path);
    for (const [oldest, entry] of this.entries) {
      if (this.bytes + cost <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= charge(entry.framed);
    }
    const { dev, ino, size, mtimeMs, ctimeMs } = st;
    const stamp = { dev, ino, size, mtimeMs, ctimeMs };
    this.entries.set(path, { stamp, framed, headLength, size, checkedAt: this.clock() });
    this.bytes += cost;
  }

  /** `path` changed or is changing: its entry goes, and content read before now is not put back. */
  invalidate(path: string): void {
    this.invalidations += 1;
    this.forget(path);
  }

  /** Drops the entry of `path`, if any (the file is gone). */
  forget(path: string): void {
    const entry = this.entries.get(path);
    if (entry === undefined) return;
    this.entries.delete(path);
    this.bytes -= charge(entry.framed);
  }

  /** Entries held and the bytes charged for them. */
  get usage(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  /** Makes `entry` the most recently used: a Map iterates in insertion order, so the oldest is first. */
  private touch(path: string, entry: Entry): void {
    this.entries.delete(path);
    this.entries.set(path, entry);
  }
}

function charge(framed: Buffer): number {
  return framed.length + ENTRY_OVERHEAD;
}

function sameFile(a: FileStamp, b: FileStamp): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}
