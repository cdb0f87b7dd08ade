import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { PictureCache } from '@pic-storage/picture-cache';
import { confDir } from '@pic-storage/service-process';
import { decodeFileId, ErrorCode, FdfsError, type FdfsClient, type FileIdInfo } from 'fastdfs-client-ts';
import type { Logger } from 'pino';
import type { FrontConf } from '../conf.js';
import { AntiSteal } from './anti-steal.js';
import { downloadTarget } from './download-url.js';
import { FastdfsOrigin, FileMissingError } from './fastdfs-origin.js';
import type { PictureEntry } from './picture-entry.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { partialHeaders, type Representation, representationOf, unsatisfiableHeaders } from './representation.js';
import { answerFor, readConditions } from './request-conditions.js';

/** How a download was answered, for metrics: from the cache, from FastDFS, or not at all. */
export type DownloadRoute = 'hit' | 'miss' | 'download_error';

export interface DownloadHandlerDeps {
  conf: Pick<FrontConf, 'cache' | 'antiSteal' | 'fastdfs'>;
  /** One client per FastDFS cluster, in hostid order: a miss tries each until one knows the group. */
  clients: readonly FdfsClient[];
  cache: PictureCache<PictureEntry>;
  logger: Logger;
  /** Called once per download answered; `startedAt` is performance.now() when it arrived. */
  observe?(route: DownloadRoute, status: number, startedAt: number): void;
  /** Where a relative anti_steal_token_fail path starts; default the conf directory ($PIC_CONF_DIR). */
  confDir?: string;
}

/**
 * GET and HEAD of `/download.fcgi/<file id>` and `/<group>/M<xx>/...` (docs/services/front-download.md),
 * answered on plain node:http ahead of Express: a cache hit is a map lookup, a scan of the
 * request's raw headers for conditionals, and one writeHead/end of precomputed headers. A miss
 * loads the file into the cache (one FastDFS download however many wait for it); a file larger
 * than cache_max_object, or an appender file, streams through from FastDFS and is never held.
 */
export class DownloadHandler {
  private readonly conf: DownloadHandlerDeps['conf'];
  private readonly cache: PictureCache<PictureEntry>;
  private readonly origin: FastdfsOrigin;
  private readonly antiSteal: AntiSteal | undefined;
  private readonly log: RateLimitedLog;
  private readonly observe: DownloadHandlerDeps['observe'];
  /** The cache's origin: the whole file (ids reach it validated, so decoding cannot throw). */
  private readonly fetchWhole = (fileId: string): Promise<Buffer> => this.origin.download(decodeFileId(fileId), fileId);

  constructor(deps: DownloadHandlerDeps) {
    this.conf = deps.conf;
    this.cache = deps.cache;
    this.origin = new FastdfsOrigin(deps.clients, {
      storageSyncFileMaxDelayMs: deps.conf.fastdfs.storageSyncFileMaxDelayMs,
    });
    this.antiSteal =
      deps.conf.antiSteal === undefined ? undefined : new AntiSteal(deps.conf.antiSteal, deps.confDir ?? confDir());
    this.log = new RateLimitedLog(deps.logger);
    this.observe = deps.observe;
  }

  /** Answers a download and returns true; returns false, touching nothing, for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const target = downloadTarget(req.url ?? '');
    if (target === undefined) return false;
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false; // Express: PURGE there, 405 otherwise
    const startedAt = this.observe === undefined ? 0 : performance.now();
    const fileId = target.fileId;
    if (
      this.antiSteal !== undefined &&
      !this.tokenAccepted(this.antiSteal, fileId, target.query, req, res, startedAt)
    ) {
      return true;
    }
    const entry = this.cache.get(fileId);
    if (entry !== undefined) this.send(req, res, entry, entry.body, 'hit', startedAt);
    else void this.miss(req, res, fileId, startedAt);
    return true;
  }

  private async miss(req: IncomingMessage, res: ServerResponse, fileId: string, startedAt: number): Promise<void> {
    let info: FileIdInfo;
    try {
      info = decodeFileId(fileId);
    } catch {
      this.reply(req, res, 400, startedAt);
      return;
    }
    try {
      // Appender and slave ids do not hold their size: the storage tells it (and that the file exists).
      const size = info.type === 'normal' ? info.fileSize : await this.origin.size(info, fileId);
      if (size === 0) {
        // FastDFS 6.15.4+ refuses to download an empty file (EINVAL): that it exists is all there is to know.
        if (info.type === 'normal') await this.origin.size(info, fileId);
        if (res.destroyed) return;
        const rep = representationOf(info, fileId, 0, this.conf.cache.cacheControlMaxAge);
        this.send(req, res, rep, EMPTY, 'miss', startedAt);
        return;
      }
      if (info.type === 'appender' || size > this.conf.cache.maxObjectBytes) {
        await this.stream(req, res, info, fileId, size, startedAt);
        return;
      }
      const { entry, from } = await this.cache.load(fileId, this.fetchWhole);
      if (res.destroyed) return; // the client left while FastDFS answered
      this.send(req, res, entry, entry.body, from === 'origin' ? 'miss' : 'hit', startedAt);
    } catch (err) {
      this.fail(req, res, fileId, err, startedAt);
    }
  }

  /**
   * A file that is not cached, straight from its storage's socket to the client's with
   * backpressure; a Range goes to FastDFS as offset and length. Answers without a body (HEAD,
   * 304, 416) are given only once the storage has confirmed that the file exists.
   */
  private async stream(
    req: IncomingMessage,
    res: ServerResponse,
    info: FileIdInfo,
    fileId: string,
    size: number,
    startedAt: number,
  ): Promise<void> {
    const rep = representationOf(info, fileId, size, this.conf.cache.cacheControlMaxAge);
    const isGet = req.method === 'GET';
    const answer = answerFor(readConditions(req.rawHeaders), rep, isGet);
    if (!isGet || answer === 304 || answer === 416) {
      if (info.type === 'normal') await this.origin.size(info, fileId);
      if (res.destroyed) return;
      this.send(req, res, rep, undefined, 'miss', startedAt);
      return;
    }
    const range = answer === 200 ? undefined : answer;
    const body = await this.origin.stream(info, fileId, range);
    const expected = range === undefined ? size : range.end - range.start + 1;
    if (body.contentLength !== expected) {
      body.destroy();
      throw new FdfsError(
        ErrorCode.PROTOCOL,
        `${fileId}: the storage sends ${body.contentLength} bytes where ${expected} were expected`,
      );
    }
    if (res.destroyed) {
      body.destroy();
      return;
    }
    if (range === undefined) res.writeHead(200, rep.headers);
    else res.writeHead(206, partialHeaders(rep, range.start, range.end));
    // The client going away destroys the FastDFS stream (its connection is dropped, not reused).
    pipeline(body, res, (err) => {
      // A client that left is no failure; the storage breaking off is (the client gets a short body).
      if (err !== undefined && err !== null && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        this.log.warn('stream-failed', { fileId, err: err.message }, 'a streamed download broke off');
      }
      this.observe?.('miss', res.statusCode, startedAt);
    });
  }

  /** Answers from a representation: 200 (body, or none for HEAD), 304, 416 or 206. */
  private send(
    req: IncomingMessage,
    res: ServerResponse,
    rep: Representation,
    body: Buffer | undefined,
    route: DownloadRoute,
    startedAt: number,
  ): void {
    const isGet = req.method === 'GET';
    const answer = answerFor(readConditions(req.rawHeaders), rep, isGet);
    let status: number;
    if (answer === 200) {
      status = 200;
      res.writeHead(200, rep.headers);
      if (isGet) res.end(body);
      else res.end();
    } else if (answer === 304) {
      status = 304;
      res.writeHead(304, rep.notModifiedHeaders);
      res.end();
    } else if (answer === 416) {
      status = 416;
      res.writeHead(416, unsatisfiableHeaders(rep));
      res.end();
    } else {
      status = 206;
      res.writeHead(206, partialHeaders(rep, answer.start, answer.end));
      res.end(body?.subarray(answer.start, answer.end + 1));
    }
    this.observe?.(route, status, startedAt);
  }

  private tokenAccepted(
    antiSteal: AntiSteal,
    fileId: string,
    query: string,
    req: IncomingMessage,
    res: ServerResponse,
    startedAt: number,
  ): boolean {
    const check = antiSteal.check(fileId, query, Math.floor(Date.now() / 1000));
    if (check === 'ok') return true;
    const placeholder = antiSteal.placeholder;
    if (placeholder === undefined) {
      this.reply(req, res, 403, startedAt);
      return false;
    }
    res.writeHead(200, placeholder.headers);
    if (req.method === 'GET') res.end(placeholder.body);
    else res.end();
    this.observe?.('download_error', 200, startedAt);
    return false;
  }

  private fail(req: IncomingMessage, res: ServerResponse, fileId: string, err: unknown, startedAt: number): void {
    let status: number;
    if (err instanceof FileMissingError) status = 404;
    else if (err instanceof FdfsError && err.code === ErrorCode.INVALID_FILE_ID) status = 400;
    else if (err instanceof FdfsError) {
      status = 503;
      this.log.warn(`fastdfs-${err.code}`, { fileId, err: err.message }, 'FastDFS could not serve a download');
    } else {
      status = 500;
      this.log.error('internal', { fileId, err }, 'a download failed');
    }
    if (res.headersSent || res.destroyed) {
      res.destroy();
      this.observe?.('download_error', status, startedAt);
    } else this.reply(req, res, status, startedAt);
  }

  /** A short text answer without caching: 400, 403, 404, 500, 503. */
  private reply(req: IncomingMessage, res: ServerResponse, status: number, startedAt: number): void {
    const text = REPLY_TEXT[status] ?? REPLY_TEXT[500];
    res.writeHead(status, [
      'Content-Type',
      'text/plain; charset=utf-8',
      'Content-Length',
      String(text.length),
      'Cache-Control',
      'no-store',
    ]);
    if (req.method === 'GET') res.end(text);
    else res.end();
    this.observe?.('download_error', status, startedAt);
  }
}

const EMPTY = Buffer.alloc(0);

const REPLY_TEXT: Record<number, Buffer> & { 500: Buffer } = {
  400: Buffer.from('bad request: not a FastDFS file id\n'),
  403: Buffer.from('forbidden: missing, expired or wrong token\n'),
  404: Buffer.from('not found\n'),
  500: Buffer.from('internal error\n'),
  503: Buffer.from('FastDFS unavailable, try again later\n'),
};
