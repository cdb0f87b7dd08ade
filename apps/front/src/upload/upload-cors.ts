import type { IncomingMessage } from 'node:http';
import cors from 'cors';
import { UploadError } from './upload-errors.js';

/*
 * Cross-origin uploads (cors_origins): game pages on their own sites post to upload.cgi.
 *
 *   - '*' in the list: any origin (Access-Control-Allow-Origin: *).
 *   - origins listed: an Origin equal to one of them, character for character, is echoed back
 *     with Vary: Origin; any other gets no Access-Control-Allow-Origin, so the browser keeps the
 *     answer from the page.
 *   - The preflight (OPTIONS /upload.cgi) answers 204 with the allowed method (POST) and headers.
 *
 * A listed origin also gates the POST itself: a request that carries an Origin which is neither
 * listed nor this server's own (the Host it was sent to) is refused with 403 before its body is
 * read or its session key counted. CORS alone would let such a request run and only hide its
 * answer; a plain HTML form posted from any site is no CORS request at all. With the list empty
 * (the default) nothing is refused, as the C CGI refused nothing.
 */
const ALLOWED_METHODS = ['POST'];
const ALLOWED_HEADERS = ['Content-Type', 'X-Requested-With'];
/** Seconds a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE = 600;

/** The cors middleware of upload.cgi: a preflight is answered here, a POST gets its headers and goes on. */
export function uploadCors(origins: readonly string[]): ReturnType<typeof cors<IncomingMessage>> {
  return cors<IncomingMessage>({
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ALLOWED_METHODS,
    allowedHeaders: ALLOWED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE,
  });
}

/** Why a POST is refused (403) for its origin, or undefined when it may go on. */
export type OriginRefusal = (req: IncomingMessage) => UploadError | undefined;

/** Refuses a POST from an origin `origins` does not list; passes everything when it is empty or has '*'. */
export function originRefusal(origins: readonly string[]): OriginRefusal {
  const open = origins.length === 0 || origins.includes('*');
  return (req) => {
    const origin = req.headers.origin;
    if (open || origin === undefined || origins.includes(origin) || isOwnOrigin(origin, req.headers.host)) {
      return undefined;
    }
    return new UploadError('originRefused', `uploads from ${JSON.stringify(origin)} are not allowed (cors_origins)`);
  };
}

/** A same-origin request: the page was served by this host (a browser sends Origin on every POST). */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || !URL.canParse(origin)) return false;
  return new URL(origin).host === host.toLowerCase();
}
