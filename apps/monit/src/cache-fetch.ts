import { StatusShapeError, parseFrontStatus, type FrontStatus } from './cache-status.js';

/** A status body is a few kB even with many storages listed; more than this is not the front's. */
export const MAX_STATUS_BYTES = 1024 * 1024;

/** The front's status, or why there is none, worded to follow the URL: `unreachable: connect ECONNREFUSED ...`. */
export type StatusAnswer = { status: FrontStatus } | { failure: string };

/**
 * GET the front's /status within `timeoutMs` (connect, headers and body together), and read it.
 * Redirects are not followed: the status page does not move, a redirect means the URL is wrong.
 */
export async function fetchFrontStatus(url: URL, timeoutMs: number): Promise<StatusAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  let text: string;
  try {
    const response = await fetch(url, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      return { failure: `answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}` };
    }
    const body = await readBounded(response);
    if (body === undefined) return { failure: `answered a body over ${MAX_STATUS_BYTES} bytes` };
    text = body;
  } catch (err) {
    if (signal.aborted) return { failure: `gave no answer within ${timeoutMs / 1000} s` };
    return { failure: `unreachable: ${reasonOf(err)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { failure: `answered a body that is not JSON (${(err as Error).message})` };
  }
  try {
    return { status: parseFrontStatus(json) };
  } catch (err) {
    if (err instanceof StatusShapeError)
      return { failure: `answered JSON that is not the front's status: ${err.message}` };
    throw err;
  }
}

/** The body as text, or undefined once it passes MAX_STATUS_BYTES (the rest is not read). */
async function readBounded(response: Response): Promise<string | undefined> {
  if (Number(response.headers.get('content-length') ?? 0) > MAX_STATUS_BYTES) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_STATUS_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * fetch() says only "fetch failed"; the socket's own words are in its cause (`connect
 * ECONNREFUSED 127.0.0.1:8081`, `getaddrinfo ENOTFOUND front`), or in each of an AggregateError's
 * errors when several addresses were tried.
 */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof AggregateError && cause.errors.length > 0) {
    return cause.errors.map((e) => (e as Error).message).join('; ');
  }
  if (cause instanceof Error && cause.message !== '') return cause.message;
  return (err as Error).message;
}
