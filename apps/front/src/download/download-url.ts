/**
 * Which requests are downloads, read from the request target with string operations only (this
 * runs first for every request the front receives, before Express):
 *
 *   /download.fcgi/<file id>[?query]           the legacy FastCGI path
 *   /<group>/M<xx>/<rest of the id>[?query]    the FastDFS nginx module's form (the path is the id)
 *
 * The id is returned as it is written: never percent-decoded (FastDFS ids are plain ASCII, so a
 * '%' makes the id malformed, which the caller answers with 400), never normalised (no `//`,
 * `.` or `..` handling: such an id is malformed too).
 */
export const DOWNLOAD_PREFIX = '/download.fcgi/';

export interface DownloadTarget {
  /** Unvalidated: checked against the FastDFS id grammar before anything uses it. */
  fileId: string;
  /** After the '?', without it; '' when none. */
  query: string;
}

/** The file id and query of a download URL, or undefined when the URL is not a download's. */
export function downloadTarget(url: string): DownloadTarget | undefined {
  let start: number;
  if (url.startsWith(DOWNLOAD_PREFIX)) start = DOWNLOAD_PREFIX.length;
  else if (isNginxForm(url)) start = 1;
  else return undefined;
  const q = url.indexOf('?', start);
  return q === -1 ? { fileId: url.slice(start), query: '' } : { fileId: url.slice(start, q), query: url.slice(q + 1) };
}

/** The (unvalidated) file id a download URL path names, or undefined: for PURGE on the same paths. */
export function fileIdOfPath(path: string): string | undefined {
  return downloadTarget(path)?.fileId;
}

/** `/<1-16 letters or digits>/M<2 hex digits>/` (the Express app answers 405 for other methods here too). */
function isNginxForm(url: string): boolean {
  const slash = url.indexOf('/', 1);
  if (slash < 2 || slash > 17 || url.charCodeAt(slash + 1) !== 0x4d /* M */ || url.charCodeAt(slash + 4) !== 0x2f) {
    return false;
  }
  for (let i = 1; i < slash; i++) if (!isAlnum(url.charCodeAt(i))) return false;
  return isHex(url.charCodeAt(slash + 2)) && isHex(url.charCodeAt(slash + 3));
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
