import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import { downloadTarget } from './download/download-url.js';
import type { ObserveRequest, RouteLabel } from './status/front-metrics.js';

/**
 * The Express app behind the download fast path: upload.cgi, purge, status and metrics, then a
 * JSON 404 / 405 for the rest, and a JSON error for anything thrown (a body that is not JSON, a
 * bug): never Express's HTML pages, never a stack trace.
 */
export function frontApp(
  routers: readonly Router[],
  logger: { error(o: object, m: string): void },
  observe: ObserveRequest,
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', false);
  app.use((req, res, next) => {
    const startedAt = performance.now();
    res.once('finish', () => observe(routeOf(req.method, req.path), res.statusCode, startedAt));
    next();
  });
  for (const router of routers) app.use(router);
  app.use((req, res) => {
    if (downloadTarget(req.path) !== undefined)
      res.status(405).set('Allow', 'GET, HEAD, PURGE').json({ result: 'error', message: 'method not allowed' });
    else res.status(404).json({ result: 'error', message: `no such resource: ${req.method} ${req.path}` });
  });
  const onError: ErrorRequestHandler = (err: { status?: number; type?: string; message?: string }, req, res, next) => {
    if (res.headersSent) return next(err);
    const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    res
      .status(status)
      .json({ result: 'error', message: status === 500 ? 'internal error' : (err.message ?? 'bad request') });
  };
  app.use(onError);
  return app;
}

function routeOf(method: string, path: string): RouteLabel {
  if (path === '/upload.cgi') return 'upload';
  if (path === '/purge' || method === 'PURGE') return 'purge';
  if (path === '/status' || path === '/metrics' || path === '/operator' || path.startsWith('/operator/'))
    return 'status';
  return 'other';
}
