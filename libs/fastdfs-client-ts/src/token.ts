import { createHash, timingSafeEqual } from 'node:crypto';
import { parseFileId } from 'fastdfs-protocol';

/**
 * FastDFS anti-steal token (common/fdfs_http_shared.c 306-357):
 *   token = lowercase_hex(md5(file_id + secret + decimal(timestamp)))
 * where file_id is the remote filename **without** the group (fastdfs-nginx-module common.c
 * 1027-1030). A timestamp of 0 never expires.
 */
export function generateToken(fileIdWithoutGroup: string, secret: string, timestamp: number): string {
  return createHash('md5')
    .update(`${fileIdWithoutGroup}${secret}${Math.trunc(timestamp)}`, 'utf8')
    .digest('hex');
}

/** Strips the group when given a full file id (`group1/M00/…` → `M00/…`). */
export function tokenSubject(fileId: string): string {
  // A group may itself start with 'M': only `M<2 hex>/` marks a name without its group.
  return /^M[0-9A-F]{2}\//.test(fileId) ? fileId : parseFileId(fileId).filename;
}

export type TokenCheck = 'ok' | 'malformed' | 'expired' | 'mismatch';

/** fdfs_http_check_token: length must be 32, `now - ts > ttl` is expired, then compare. */
export function checkToken(
  fileIdWithoutGroup: string,
  secret: string,
  timestamp: number,
  token: string,
  ttlSeconds: number,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): TokenCheck {
  // The C check is a memcmp against lower-case hex: an upper-case token never matches.
  if (!/^[0-9a-f]{32}$/.test(token)) return 'malformed';
  if (timestamp !== 0 && nowSeconds - timestamp > ttlSeconds) return 'expired';
  const expected = Buffer.from(generateToken(fileIdWithoutGroup, secret, timestamp), 'hex');
  return timingSafeEqual(expected, Buffer.from(token, 'hex')) ? 'ok' : 'mismatch';
}
