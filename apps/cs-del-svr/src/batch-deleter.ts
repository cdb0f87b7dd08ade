import type { Logger } from 'pino';
import { ErrorCode, FdfsError, StatusError, type FdfsClient } from 'fastdfs-client-ts';
import { QueryUpdate } from 'fastdfs-protocol';
import { ResultCode, ResultError, fileIdOfUrl, resultName, type PicInfo } from '@pic-storage/frame-protocol';
import type { CachePurger } from '@pic-storage/cache-purge';
import { forEachLimited } from '@pic-storage/cache-purge';
import type { MetadataRemover } from './metadata-remover.js';

export interface BatchDeleterOptions {
  /** hostid → the FastDFS client of that cluster; throws BAD_ARGUMENT for an unknown hostid (ClusterClients). */
  fdfsClient: (hostid: number) => Pick<FdfsClient, 'delete'>;
  /** undefined: no metadata_dbsvr configured. */
  metadata: MetadataRemover | undefined;
  purger: CachePurger;
  /** Files of one batch being deleted at once. */
  concurrency: number;
  logger: Pick<Logger, 'info' | 'warn'>;
}

interface Failure {
  fileId: string;
  hostid: number;
  code: number;
  reason: string;
}

/** The failures a batch's log line shows in full; the rest are counted. */
const LOGGED_FAILURES = 10;

/**
 * cmd 3030's work: each file deleted from FastDFS, its metadata row removed, and purged from every
 * cache. Per file, in request order:
 *
 *   0                    deleted (or already gone) everywhere
 *   BAD_ARGUMENT         not a file id, a hostid with no cluster, or a group its cluster does not
 *                        have: nothing was done
 *   STORAGE_UNAVAILABLE  FastDFS did not delete it: nothing else was done
 *   BACKEND_UNAVAILABLE  deleted from FastDFS, but its metadata row or a cache purge failed
 *
 * Non-zero tells del_file_ontime to keep the entry and send it again; every step is idempotent,
 * so a retry of a half-done entry finishes it.
 */
export class BatchDeleter {
  constructor(private readonly options: BatchDeleterOptions) {}

  async deleteBatch(pics: readonly PicInfo[], signal?: AbortSignal): Promise<number[]> {
    const results = pics.map((): number => ResultCode.OK);
    const failures: Failure[] = [];
    const fail = (index: number, failure: Failure) => {
      results[index] = failure.code;
      failures.push(failure);
    };
    const deleted: Array<{ index: number; fileId: string; hostid: number }> = [];

    await forEachLimited(
      pics,
      this.options.concurrency,
      async (pic, index) => {
        let fileId: string;
        try {
          const file = fileIdOfUrl(pic.url);
          fileId = `${file.group}/${file.filename}`;
        } catch (err) {
          fail(index, { fileId: pic.url, hostid: pic.hostid, code: ResultCode.BAD_ARGUMENT, reason: message(err) });
          return;
        }
        const code = await this.deleteFromFastdfs(pic.hostid, fileId);
        if (code.result !== ResultCode.OK) {
          fail(index, { fileId, hostid: pic.hostid, code: code.result, reason: code.reason });
          return;
        }
        deleted.push({ index, fileId, hostid: pic.hostid });
        if (this.options.metadata === undefined) return;
        try {
          await this.options.metadata.remove(pic.hostid, fileId);
        } catch (err) {
          fail(index, { fileId, hostid: pic.hostid, code: ResultCode.BACKEND_UNAVAILABLE, reason: message(err) });
        }
      },
      signal,
    );

    // Every file gone from FastDFS is purged, its metadata removed or not: the caches must not
    // keep serving it.
    const notPurged = await this.options.purger.purge([...new Set(deleted.map((d) => d.fileId))]);
    for (const { index, fileId, hostid } of deleted) {
      const why = notPurged.get(fileId);
      if (why === undefined) continue;
      if (results[index] === ResultCode.OK) {
        fail(index, { fileId, hostid, code: ResultCode.BACKEND_UNAVAILABLE, reason: why });
      }
    }
    this.log(pics.length, results, failures, signal);
    return results;
  }

  private async deleteFromFastdfs(hostid: number, fileId: string): Promise<{ result: number; reason: string }> {
    try {
      await this.options.fdfsClient(hostid).delete(fileId);
      return { result: ResultCode.OK, reason: '' };
    } catch (err) {
      if (err instanceof FdfsError && err.code === ErrorCode.NOT_FOUND) {
        // ENOENT from the tracker's QUERY_UPDATE: the cluster has no such group. The hostid and the
        // file id disagree (or a conf maps the hostid wrongly): not a delete to count as done.
        if (err instanceof StatusError && err.operation === QueryUpdate.name) {
          return { result: ResultCode.BAD_ARGUMENT, reason: `cluster ${hostid}: ${err.message}` };
        }
        // ENOENT from the storage: already gone (an earlier try, or never stored). Deletes are
        // idempotent, so that is deleted.
        return { result: ResultCode.OK, reason: '' };
      }
      if (err instanceof ResultError) return { result: err.code, reason: err.message };
      if (
        err instanceof FdfsError &&
        (err.code === ErrorCode.INVALID_FILE_ID || err.code === ErrorCode.INVALID_ARGUMENT)
      ) {
        return { result: ResultCode.BAD_ARGUMENT, reason: err.message };
      }
      return { result: ResultCode.STORAGE_UNAVAILABLE, reason: message(err) };
    }
  }

  /** One line per batch: counts by result, and the first failures with their reasons. */
  private log(files: number, results: readonly number[], failures: Failure[], signal?: AbortSignal): void {
    const byResult: Record<string, number> = {};
    for (const result of results) byResult[resultName(result)] = (byResult[resultName(result)] ?? 0) + 1;
    if (failures.length === 0 && signal?.aborted !== true) {
      this.options.logger.info({ files, results: byResult }, 'batch deleted');
      return;
    }
    this.options.logger.warn(
      {
        files,
        results: byResult,
        aborted: signal?.aborted === true,
        failures: failures.slice(0, LOGGED_FAILURES).map((f) => ({ ...f, code: resultName(f.code) })),
        moreFailures: Math.max(0, failures.length - LOGGED_FAILURES),
      },
      'batch partly failed',
    );
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
