import { Router } from 'express';
import type { ClusterClients } from '@pic-storage/service-process';
import type { SessionGate } from '@pic-storage/session-count';
import type { FrontConf } from '../conf.js';
import { InFlightLimit } from './in-flight-limit.js';
import type { MetadataRegistrar } from './metadata-registrar.js';
import { refuseUnlistedOrigin, uploadCors } from './upload-cors.js';
import { UploadHandler, type UploadLogger } from './upload-handler.js';

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

/**
 * POST /upload.cgi and its CORS preflight (OPTIONS), nothing else; mounted at '/'. The path is
 * matched exactly (case and trailing slash), as the C CGI's web server did.
 */
export function uploadRouter(deps: UploadDeps): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const cors = uploadCors(deps.conf.corsOrigins);
  const handler = new UploadHandler(deps);
  // conf.maxInFlight uploads at once (upload_max_in_flight); one more is refused (503).
  const slots = new InFlightLimit(deps.conf.maxInFlight);
  router.options(UPLOAD_PATH, cors);
  router.post(UPLOAD_PATH, cors, refuseUnlistedOrigin(deps.conf.corsOrigins), slots.middleware, (req, res) =>
    handler.handle(req, res),
  );
  return router;
}
