import { forEachLimited } from './for-each-limited.js';

export interface CachePurgerOptions {
  /** The front tier's purge hooks (`http://127.0.0.1:8081/purge`): one POST per batch each. */
  hookUrls: readonly string[];
  /** External caches (`http://cache:6081`): one `PURGE <base>/download.fcgi/<file id>` per file each. */
  externalBases: readonly string[];
  /** Sent as X-Purge-Secret to the front's hooks (never to external caches). */
  secret?: string;
  /** Every HTTP call, connect to response headers. */
  timeoutMs: number;
  /** External PURGE requests in flight at once. */
  concurrency: number;
}

/**
 * Purges deleted files from every cache in front of FastDFS. The front tier's hook takes a batch
 * (`POST /purge` with `{"files": [...]}`, each instance then tells the others through Redis);
 * external caches are varnish style, one PURGE per URL. A purge that fails is that file's failure:
 * the caller reports the entry for a retry.
 */
export class CachePurger {
  constructor(private readonly options: CachePurgerOptions) {}

  /** The files whose purge failed somewhere, each with why (empty when all were purged). */
  async purge(fileIds: readonly string[]): Promise<Map<string, string>> {
    const failed = new Map<string, string>();
    if (fileIds.length === 0) return failed;
    const hooks = this.options.hookUrls.map(async (url) => {
      const why = await this.postHook(url, fileIds);
      if (why !== undefined) for (const fileId of fileIds) if (!failed.has(fileId)) failed.set(fileId, why);
    });
    const calls = this.options.externalBases.flatMap((base) => fileIds.map((fileId) => ({ base, fileId })));
    const externals = forEachLimited(calls, this.options.concurrency, async ({ base, fileId }) => {
      const why = await this.purgeExternal(base, fileId);
      if (why !== undefined && !failed.has(fileId)) failed.set(fileId, why);
    });
    await Promise.all([...hooks, externals]);
    return failed;
  }

  /** undefined when the hook answered 2xx, else why not. */
  private async postHook(url: string, fileIds: readonly string[]): Promise<string | undefined> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.secret !== undefined) headers['x-purge-secret'] = this.options.secret;
    return this.call(url, { method: 'POST', headers, body: JSON.stringify({ files: fileIds }) }, false);
  }

  private async purgeExternal(base: string, fileId: string): Promise<string | undefined> {
    return this.call(`${base.replace(/\/+$/, '')}/download.fcgi/${fileId}`, { method: 'PURGE' }, true);
  }

  private async call(url: string, init: RequestInit, notFoundIsPurged: boolean): Promise<string | undefined> {
    const what = `${init.method} ${url}`;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs) });
      await response.body?.cancel();
      // A varnish answers 404 for a URL it did not hold: nothing to purge is purged.
      if (response.ok || (notFoundIsPurged && response.status === 404)) return undefined;
      return `${what}: HTTP ${response.status}`;
    } catch (err) {
      const cause = (err as Error).cause as Error | undefined;
      const reason =
        (err as Error).name === 'TimeoutError'
          ? `no answer in ${this.options.timeoutMs} ms`
          : (cause?.message ?? (err as Error).message);
      return `${what}: ${reason}`;
    }
  }
}
