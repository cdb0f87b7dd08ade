import { Router } from 'express';
import { UPLOAD_PATH, type UploadRoute } from './upload-route.js';

export { UPLOAD_PATH, UploadRoute, type UploadDeps } from './upload-route.js';

/**
 * POST /upload.cgi and its CORS preflight (OPTIONS) in the Express app, mounted at '/': what
 * UploadRoute.take leaves to Express (an absolute URL, a fragment) is still upload.cgi when
 * Express's URL parser says its path is. The path is matched exactly (case and trailing slash),
 * as the C CGI's web server did.
 */
export function uploadRouter(route: UploadRoute): Router {
  const router = Router({ caseSensitive: true, strict: true });
  router.options(UPLOAD_PATH, (req, res) => route.serve(req, res));
  router.post(UPLOAD_PATH, (req, res) => route.serve(req, res));
  return router;
}
