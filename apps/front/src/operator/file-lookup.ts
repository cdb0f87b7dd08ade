import { decodeFileId, generateToken, tokenSubject, type FileIdInfo } from 'fastdfs-client-ts';
import { contentTypeOf } from '../download/content-type.js';
import { DOWNLOAD_PREFIX, downloadTarget } from '../download/download-url.js';

/** What is typed into the page's file box: longer than this is no file id or download URL. */
export const MAX_FILE_LOOKUP_LENGTH = 1024;

/** A file id decoded (nothing asked of FastDFS: the id itself holds all of it), as /operator/file answers. */
export interface FileLookup {
  result: 'success';
  file_id: string;
  group: string;
  /** M00, M01...: the storage's store path. */
  store_path: string;
  /** normal, appender or slave. */
  type: FileIdInfo['type'];
  trunk: boolean;
  /** The storage that first stored it: an IPv4 address, or '' when the id names a storage id. */
  source_ip: string;
  /** The numeric storage id, 0 when the id names an address. */
  source_id: number;
  create_timestamp: number;
  /** ISO 8601, UTC. */
  created: string;
  /** null when the id does not hold it (appender and slave files). */
  size: number | null;
  /** Eight hex digits; null when the id does not hold it. */
  crc32: string | null;
  ext: string;
  content_type: string;
  /** Whether this front's memory cache holds it now (looking does not count as a hit). */
  cached: boolean;
  /** The download URL on this front (with a fresh anti-steal token when tokens are checked). */
  download_url: string;
}

export interface FileLookupOptions {
  isCached(fileId: string): boolean;
  /** The anti-steal secret when the front checks tokens: the URL then carries a token valid from now. */
  antiStealSecret: string | undefined;
  nowSeconds: number;
}

/**
 * Decodes what an operator pasted: a file id (`g01/M00/00/00/...jpg`), a download path
 * (`/download.fcgi/<id>`, `/<group>/M00/...`) or a whole download URL. The id is checked exactly
 * as the download path checks it; a string says what is wrong.
 */
export function lookUpFile(input: string, options: FileLookupOptions): FileLookup | string {
  if (input.length === 0) return 'give a file id, e.g. group1/M00/00/00/<name>.jpg';
  if (input.length > MAX_FILE_LOOKUP_LENGTH) return `at most ${MAX_FILE_LOOKUP_LENGTH} characters`;
  const fileId = fileIdOf(input.trim());
  if (fileId === undefined) return `${JSON.stringify(input.slice(0, 200))} is not a download URL of this front`;
  let info: FileIdInfo;
  try {
    info = decodeFileId(fileId);
  } catch (err) {
    return (err as Error).message;
  }
  const known = info.type === 'normal';
  const { antiStealSecret: secret, nowSeconds: ts } = options;
  const token = secret === undefined ? '' : `?token=${generateToken(tokenSubject(fileId), secret, ts)}&ts=${ts}`;
  return {
    result: 'success',
    file_id: fileId,
    group: info.group,
    store_path: `M${info.storePathIndex.toString(16).toUpperCase().padStart(2, '0')}`,
    type: info.type,
    trunk: info.trunk,
    source_ip: info.sourceIp,
    source_id: info.sourceId,
    create_timestamp: info.createTimestamp,
    created: new Date(info.createTimestamp * 1000).toISOString(),
    size: known ? info.fileSize : null,
    crc32: known ? info.crc32.toString(16).padStart(8, '0') : null,
    ext: info.ext,
    content_type: contentTypeOf(info.ext),
    cached: options.isCached(fileId),
    download_url: `${DOWNLOAD_PREFIX}${fileId}${token}`,
  };
}

/** The (unvalidated) file id of an id, a download path or a download URL; undefined for any other URL. */
function fileIdOf(input: string): string | undefined {
  if (/^https?:\/\//i.test(input)) {
    let path: string;
    try {
      path = new URL(input).pathname;
    } catch {
      return undefined;
    }
    return downloadTarget(path)?.fileId;
  }
  return input.startsWith('/') ? downloadTarget(input)?.fileId : input;
}
