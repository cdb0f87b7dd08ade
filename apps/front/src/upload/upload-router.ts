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
  /** Uploads served at once; one more is refused (503). Default UPLOAD_DEFAULTS.maxInFlight. */
  maxInFlight?: number;
  /** Seconds libvips may spend scaling one picture. Default UPLOAD_DEFAULTS.imageTimeoutSeconds. */
  imageTimeoutSeconds?: number;
}

export const UPLOAD_DEFAULTS = Object.freeze({ maxInFlight: 64, imageTimeoutSeconds: 30 });

export const UPLOAD_PATH = '/upload.cgi';

/**
 * POST /upload.cgi and its CORS preflight (OPTIONS), nothing else; mounted at '/'. The path is
 * matched exactly (case and trailing slash), as the C CGI's web server did.
 */
export function uploadRouter(deps: UploadDeps): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const cors = uploadCors(deps.conf.corsOrigins);
  const handler = new UploadHandler({
    ...deps,
    imageTimeoutSeconds: deps.imageTimeoutSeconds ?? UPLOAD_DEFAULTS.imageTimeoutSeconds,
  });
  const slots = new InFlightLimit(deps.maxInFlight ?? UPLOAD_DEFAULTS.maxInFlight);
  router.options(UPLOAD_PATH, cors);
  router.post(UPLOAD_PATH, cors, refuseUnlistedOrigin(deps.conf.corsOrigins), slots.middleware, (req, res) =>
    handler.handle(req, res),
  );
  return router;
}
