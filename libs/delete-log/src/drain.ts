import { access } from 'node:fs/promises';
import { MAX_PIC_COUNT } from '@pic-storage/frame-protocol';
import { isMissing, renameIfExists, sizeIfExists, syncDir, unlinkIfExists } from './durable-fs.js';
import { countEntries, readEntryBatches } from './entry-reader.js';
import { formatEntries, type DeleteEntry } from './entry.js';
import {
  appendDurably,
  cutBackTo,
  drainFilesOf,
  readProgress,
  writeProgress,
  type DrainFiles,
  type DrainProgress,
} from './drain-files.js';
import { takeRunLock } from './run-lock.js';

/**
 * Sends one batch (cmd 3030) and resolves with one result code per entry, in order (0: deleted or
 * already gone). Throws DrainStoppedError when the batch's fate is unknown or the backend is
 * unusable (no connection, a timeout, BACKEND_UNAVAILABLE): the run stops and the batch is sent
 * again by the next run.
 */
export type BatchSender = (entries: readonly DeleteEntry[]) => Promise<readonly number[]>;

export class DrainStoppedError extends Error {
  override readonly name = 'DrainStoppedError';
}

export interface DrainOptions {
  /** The delete log del_svr writes (`<base_path>/log/delete.log`). */
  logPath: string;
  /** Entries per 3030 request, 1..MAX_PIC_COUNT. */
  batchSize: number;
  send: BatchSender;
  /** After each batch: entries sent so far, and those known to send (grows when a second cycle starts). */
  onProgress?: (sent: number, total: number) => void;
  /** A line of a drained file that holds no entry (a write torn by a crash); skipped. */
  onUnreadable?: (file: string, line: string) => void;
}

export interface DrainSummary {
  /** Entries cs_del_svr answered 0 for. */
  deleted: number;
  /** Entries answered non-zero: appended to delete.log.failed, sent again by the next run. */
  failed: number;
  /** Entries waiting for the next run: the failed ones, and those not sent when the run stopped. */
  kept: number;
  /** Lines skipped because they hold no entry (torn fragments of writes that were never acknowledged). */
  unreadable: number;
  batches: number;
  /** The run first finished a cycle that an earlier run left unfinished (killed, or stopped). */
  resumed: boolean;
  /** Why the run stopped before the end (the backend unreachable...); undefined when it finished. */
  stopped?: string;
}

/**
 * One run of del_file_ontime over a delete log (docs/services/del-file-ontime.md). Under the run
 * lock: first finish the cycle an earlier run left (.retry and .work from its progress offsets),
 * then start a cycle: rename delete.log.failed to .retry (unless a resumed cycle just failed some:
 * those wait for the next run), rename delete.log to .work (logrotate's rename; del_svr opens a new
 * delete.log at its next write), and send both, batch by batch, recording progress after each.
 * Delivery is at-least-once: a batch whose progress was not recorded (a crash, a timeout) is sent
 * again. Deletes are idempotent, so that costs nothing but the request.
 */
export async function drainDeleteLog(options: DrainOptions): Promise<DrainSummary> {
  if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > MAX_PIC_COUNT) {
    throw new RangeError(`batch size must be between 1 and ${MAX_PIC_COUNT}, got ${options.batchSize}`);
  }
  const files = drainFilesOf(options.logPath);
  if (!(await exists(files.dir))) {
    throw new Error(`${files.dir} does not exist: is ${options.logPath} the log del_svr writes?`);
  }
  const lock = await takeRunLock(files.lock);
  try {
    return await new DrainRun(options, files).run();
  } finally {
    await lock.release();
  }
}

class DrainRun {
  private readonly summary: DrainSummary = {
    deleted: 0,
    failed: 0,
    kept: 0,
    unreadable: 0,
    batches: 0,
    resumed: false,
  };
  private sent = 0;
  private total = 0;

  constructor(
    private readonly options: DrainOptions,
    private readonly files: DrainFiles,
  ) {}

  async run(): Promise<DrainSummary> {
    try {
      if ((await exists(this.files.retry)) || (await exists(this.files.work))) {
        this.summary.resumed = true;
        await this.runCycle();
      }
      await this.startCycle();
      await this.runCycle();
    } catch (err) {
      if (!(err instanceof DrainStoppedError)) throw err;
      this.summary.stopped = err.message;
    }
    this.summary.kept = await this.countKept();
    return this.summary;
  }

  /**
   * Renames the log (and the earlier failures) into this cycle's files. The old progress goes
   * first: offsets are only ever read against the files they were recorded for.
   */
  private async startCycle(): Promise<void> {
    const { files } = this;
    if (await unlinkIfExists(files.progress)) await syncDir(files.dir);
    // A cycle's files are gone before the next starts (runCycle removes them; a leftover was resumed).
    for (const path of [files.retry, files.work]) {
      if (await exists(path)) throw new Error(`${path} exists: a cycle is unfinished`);
    }
    if (!this.summary.resumed) await renameIfExists(files.failed, files.retry);
    await renameIfExists(files.log, files.work);
    await syncDir(files.dir);
  }

  private async runCycle(): Promise<void> {
    const { files } = this;
    if (!(await exists(files.retry)) && !(await exists(files.work))) {
      if (await unlinkIfExists(files.progress)) await syncDir(files.dir);
      return; // nothing was logged since the last cycle
    }
    let progress = await readProgress(files.progress);
    if (progress === undefined) {
      // No batch of this cycle ran yet (each writes the progress after it): .failed is all older failures.
      progress = { retry: 0, work: 0, failed: (await sizeIfExists(files.failed)) ?? 0 };
      await writeProgress(files.progress, progress);
    } else {
      await cutBackTo(files.failed, progress.failed);
    }
    this.total += (await countEntries(files.retry, progress.retry)) + (await countEntries(files.work, progress.work));
    this.options.onProgress?.(this.sent, this.total);
    for (const source of ['retry', 'work'] as const) {
      progress = await this.drainFile(source, progress);
    }
    // Every entry of the cycle is done: its files go, then its progress (never the other way round).
    await unlinkIfExists(files.retry);
    await unlinkIfExists(files.work);
    await syncDir(files.dir);
    await unlinkIfExists(files.progress);
    await syncDir(files.dir);
  }

  private async drainFile(source: 'retry' | 'work', start: DrainProgress): Promise<DrainProgress> {
    const path = this.files[source];
    let progress = start;
    for await (const batch of readEntryBatches(path, progress[source], this.options.batchSize)) {
      for (const line of batch.unreadable) this.options.onUnreadable?.(path, line);
      this.summary.unreadable += batch.unreadable.length;
      let failedSize = progress.failed;
      if (batch.entries.length > 0) {
        const results = await this.options.send(batch.entries);
        if (results.length !== batch.entries.length) {
          throw new DrainStoppedError(`${results.length} results for a batch of ${batch.entries.length} entries`);
        }
        const failed = batch.entries.filter((_, i) => results[i] !== 0);
        if (failed.length > 0) failedSize = await appendDurably(this.files.failed, `\n${formatEntries(failed)}`);
        this.summary.batches++;
        this.summary.deleted += batch.entries.length - failed.length;
        this.summary.failed += failed.length;
        this.sent += batch.entries.length;
        this.total = Math.max(this.total, this.sent);
      }
      progress = { ...progress, [source]: batch.end, failed: failedSize };
      await writeProgress(this.files.progress, progress);
      this.options.onProgress?.(this.sent, this.total);
    }
    return progress;
  }

  /** The failed entries, and what a stopped run left unsent. */
  private async countKept(): Promise<number> {
    const { files } = this;
    const progress = (await readProgress(files.progress)) ?? { retry: 0, work: 0, failed: 0 };
    return (
      (await countEntries(files.failed, 0)) +
      (await countEntries(files.retry, progress.retry)) +
      (await countEntries(files.work, progress.work))
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}
