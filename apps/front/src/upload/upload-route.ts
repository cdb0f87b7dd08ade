import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterClients } from '@pic-storage/service-process';
import type { SessionGate } from '@pic-storage/session-count';
import type { FrontConf } from '../conf.js';
import type { ObserveRequest } from '../status/front-metrics.js';
import { InFlightLimit } from './in-flight-limit.js';
import type { MetadataRegistrar } from './metadata-registrar.js';
import { originRefusal, uploadCors, type OriginRefusal } from './upload-cors.js';
import { UploadHandler, type UploadLogger } from './upload-handler.js';
import { sendUploadError } from './upload-json.js';

export interface UploadDeps {
  conf: FrontConf['upload'];
  /** Decodes the key, checks its window and counts the use (the store sess_check_svr counts in). */
  gate: SessionGate;
  /** clients.client(conf.hostid) stores the pictures. */
  clients: ClusterClients;
  /** metadata_dbsvr (cmd 4001); undefined: nothing registered, photoid 0. */
  metadata: MetadataRegistrar | undefined;
  logger: UploadLogger;
}

export const UPLOAD_PATH = '/upload.cgi';
const UPLOAD_QUERY = `${UPLOAD_PATH}?`;

/**
 * POST /upload.cgi and its CORS preflight (OPTIONS), on plain node:http. The front's listener
 * offers it every request the download path leaves (take); the Express app reaches it too
 * (upload-router.ts), for the spellings take leaves to Express. Express costs an upload more CPU
 * than everything upload.cgi does itself (its request and response objects change prototype per
 * request, which makes every property access on them slow), so the common spelling skips it.
 * The answers are the same either way: the same CORS headers (the cors package), the same JSON.
 */
export class UploadRoute {
  private readonly cors: ReturnType<typeof uploadCors>;
  private readonly refusal: OriginRefusal;
  /** conf.maxInFlight uploads at once (upload_max_in_flight); one more is refused (503). */
  private readonly slots: InFlightLimit;
  private readonly handler: UploadHandler;

  constructor(
    private readonly deps: UploadDeps,
    /** Told of every request take() serves itself (the Express app times the ones it serves). */
    private readonly observe?: ObserveRequest,
  ) {
    this.cors = uploadCors(deps.conf.corsOrigins);
    this.refusal = originRefusal(deps.conf.corsOrigins);
    this.slots = new InFlightLimit(deps.conf.maxInFlight);
    this.handler = new UploadHandler(deps);
  }

  /**
   * Serves POST and OPTIONS of '/upload.cgi', with or without a query, and returns true; returns
   * false, touching nothing, for anything else. Another spelling that Express would still route
   * here (an absolute URL, a fragment) is left to Express, whose URL parser decides it as before.
   */
  take(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (url === undefined || (req.method !== 'POST' && req.method !== 'OPTIONS')) return false;
    if (url !== UPLOAD_PATH && !url.startsWith(UPLOAD_QUERY)) return false;
    const observe = this.observe;
    if (observe !== undefined) {
      // As the Express app's own metrics middleware does for the requests it serves.
      const startedAt = performance.now();
      res.once('finish', () => observe('upload', res.statusCode, startedAt));
    }
    this.serve(req, res);
    return true;
  }

  /** Serves a request already known to be POST or OPTIONS /upload.cgi. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    // A preflight (OPTIONS) is answered by cors itself; a POST gets its CORS headers and goes on.
    this.cors(req, res, () => this.upload(req, res));
  }

  private upload(req: IncomingMessage, res: ServerResponse): void {
    const refused = this.refusal(req);
    if (refused !== undefined) {
      sendUploadError(res, refused);
      return;
    }
    if (!this.slots.take(res)) return;
    this.handler.handle(req, res).catch((err: unknown) => {
      // handle answers every failure itself; this is a bug in that answer. It is answered as the
      // Express app answers what a route throws (app.ts), which it did when upload.cgi ran there.
      this.deps.logger.error({ err, method: req.method, path: UPLOAD_PATH }, 'request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = JSON.stringify({ result: 'error', message: 'internal error' });
      res.statusCode = 500;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.end(body);
    });
  }
}
