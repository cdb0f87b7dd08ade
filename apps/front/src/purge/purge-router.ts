import express, { Router, type Request, type Response } from 'express';
import { parseFileId } from 'fastdfs-protocol';
import type { CachePurger } from '@pic-storage/cache-purge';
import type { PurgeAccess } from './purge-access.js';

/** File ids one POST /purge may name (the batch a cs_del_svr request can carry). */
export const MAX_PURGE_FILES = 4096;

/** What a purge of this instance, Redis and the other instances reports (PictureCache#purge). */
export interface PurgeOutcome {
  memory: number;
  redis: 'ok' | 'down' | 'off';
  broadcast: 'ok' | 'down' | 'off';
}

export interface PurgeDeps {
  access: PurgeAccess;
  purge(fileIds: readonly string[]): Promise<PurgeOutcome>;
  /** External caches to forward to (purge_external); undefined when there are none. */
  external: CachePurger | undefined;
  /** The file id a download URL path names (not yet checked), or undefined when it names none. */
  fileIdOfPath(path: string): string | undefined;
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

/**
 * `PURGE /download.fcgi/<file id>` (or `/<group>/M00/...`) and `POST /purge` with a JSON list of
 * file ids (`["g01/M00/..", ...]` or `{"files": [...]}`, as cs_del_svr sends it). Answers 403 to
 * anyone not allowed; 400 when any id is malformed (nothing is purged); 200 with what was purged;
 * 503 when Redis could not be told (the other instances may still hold the files: the caller
 * retries), 502 when an external cache refused.
 */
export function purgeRouter(deps: PurgeDeps): Router {
  const router = Router();
  router.all(/^\/purge$/, (req, res, next) => (req.method === 'POST' ? next() : refuseMethod(res, 'POST')));
  router.post(
    '/purge',
    allowOnly(deps),
    express.json({ limit: '1mb', strict: false, type: () => true }),
    async (req: Request, res: Response) => {
      const ids = fileIdsOf(req.body as unknown);
      if (typeof ids === 'string') return badRequest(res, ids);
      await purge(deps, ids, res);
    },
  );
  router.use(allowPurgeMethod(deps));
  return router;
}

/** PURGE on a download URL; other methods fall through. */
function allowPurgeMethod(deps: PurgeDeps) {
  return async (req: Request, res: Response, next: () => void) => {
    if (req.method !== 'PURGE') return next();
    const fileId = deps.fileIdOfPath(req.path);
    if (fileId === undefined) return next();
    if (!allowed(deps, req)) return forbidden(res);
    const ids = fileIdsOf([fileId]);
    if (typeof ids === 'string') return badRequest(res, ids);
    await purge(deps, ids, res);
  };
}

function allowOnly(deps: PurgeDeps) {
  return (req: Request, res: Response, next: () => void) => (allowed(deps, req) ? next() : forbidden(res));
}

/** An allowed address, or the secret in X-Purge-Secret or as a Basic password (the operator page's purge button). */
function allowed(deps: PurgeDeps, req: Request): boolean {
  return deps.access.allows(req.socket.remoteAddress, req.headers['x-purge-secret'], req.headers.authorization);
}

async function purge(deps: PurgeDeps, fileIds: readonly string[], res: Response): Promise<void> {
  const outcome = await deps.purge(fileIds);
  const failed = deps.external === undefined ? new Map<string, string>() : await deps.external.purge(fileIds);
  const body = {
    result: 'success',
    purged: fileIds,
    memory: outcome.memory,
    redis: outcome.redis,
    broadcast: outcome.broadcast,
    ...(failed.size > 0 ? { external_failed: Object.fromEntries(failed) } : {}),
  };
  if (outcome.redis === 'down' || outcome.broadcast === 'down') {
    deps.logger.warn({ files: fileIds.length }, 'purge: Redis unreachable, other front instances not told');
    res.status(503).json({ ...body, result: 'error', message: 'Redis unreachable: other instances were not purged' });
    return;
  }
  if (failed.size > 0) {
    res.status(502).json({ ...body, result: 'error', message: 'an external cache refused the purge' });
    return;
  }
  deps.logger.info({ files: fileIds.length, memory: outcome.memory }, 'purged');
  res.json(body);
}

/** The ids of a POST /purge body, checked; a string says what is wrong with it. */
function fileIdsOf(body: unknown): string[] | string {
  const list = Array.isArray(body) ? body : (body as { files?: unknown } | null)?.files;
  if (!Array.isArray(list)) return 'the body must be a JSON list of file ids, or {"files": [...]}';
  if (list.length === 0) return 'no file ids given';
  if (list.length > MAX_PURGE_FILES) return `at most ${MAX_PURGE_FILES} file ids per request, got ${list.length}`;
  for (const id of list) {
    if (typeof id !== 'string') return `file ids must be strings, got ${JSON.stringify(id)}`;
    try {
      parseFileId(id);
    } catch (err) {
      return (err as Error).message;
    }
  }
  return [...new Set(list as string[])];
}

function forbidden(res: Response): void {
  res
    .status(403)
    .json({ result: 'error', message: 'purge is allowed from configured addresses or with X-Purge-Secret' });
}

function badRequest(res: Response, message: string): void {
  res.status(400).json({ result: 'error', message });
}

function refuseMethod(res: Response, allow: string): void {
  res
    .status(405)
    .set('Allow', allow)
    .json({ result: 'error', message: `use ${allow}` });
}
