import { Router, type Request, type Response } from 'express';
import type { PurgeAccess } from '../purge/purge-access.js';
import { lookUpFile } from './file-lookup.js';
import type { OperatorAsset } from './operator-assets.js';
import type { TrafficHistory } from './traffic-history.js';

export interface OperatorDeps {
  /** The purge hooks' access: an allowed address, or the purge secret (X-Purge-Secret or a Basic password). */
  access: PurgeAccess;
  history: TrafficHistory;
  /** By path: /operator (the page), /operator/operator.js... (loadOperatorAssets). */
  assets: ReadonlyMap<string, OperatorAsset>;
  /** Whether the memory cache holds a file id, without counting a hit. */
  isCached(fileId: string): boolean;
  /** The anti-steal secret when the front checks tokens (the page's picture then needs one). */
  antiStealSecret: string | undefined;
}

/**
 * Only this origin's own files: no inline script or style, no other origin, no framing. The page's
 * picture is this front's own /download.fcgi URL, and its fetches go to /operator and /status.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/**
 * The operator's page (docs/services/front.md#operator-page), for whoever may purge:
 *
 *   GET /operator                 the page (HTML; its script polls the two JSON answers below and /status)
 *   GET /operator/<file>          its script and style, uPlot's build and style
 *   GET /operator/history.json    request rate and hit ratio per interval, the last minutes (TrafficHistory)
 *   GET /operator/file?id=<id>    a file id decoded, whether it is cached here, its download URL; 400 when malformed
 *
 * Anyone else gets 401 with a Basic challenge (the password is the purge secret), or 403 when no
 * secret is configured.
 */
export function operatorRouter(deps: OperatorDeps): Router {
  const router = Router();
  router.use('/operator', (req, res, next) => {
    res.set(SECURITY_HEADERS);
    if (deps.access.allows(req.socket.remoteAddress, req.headers['x-purge-secret'], req.headers.authorization)) {
      return next();
    }
    const refusal = deps.access.refusal();
    res
      .status(refusal.status)
      .set(refusal.headers)
      .json({
        result: 'error',
        message:
          refusal.status === 401
            ? 'the operator page needs the purge secret as the password (any user name)'
            : 'the operator page is open to purge_allow addresses only (no purge secret is configured)',
      });
  });
  router.get('/operator/history.json', (_req, res) => {
    res.json(deps.history.series());
  });
  router.get('/operator/file', (req: Request, res: Response) => {
    const id = req.query.id;
    if (typeof id !== 'string') {
      res.status(400).json({ result: 'error', message: 'give one file id as ?id=' });
      return;
    }
    const found = lookUpFile(id, {
      isCached: deps.isCached,
      antiStealSecret: deps.antiStealSecret,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (typeof found === 'string') res.status(400).json({ result: 'error', message: found });
    else res.json(found);
  });
  for (const [path, asset] of deps.assets) {
    router.get(path, (_req, res) => {
      res.type(asset.contentType).send(asset.body);
    });
  }
  return router;
}
