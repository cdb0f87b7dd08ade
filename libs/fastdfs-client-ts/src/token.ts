import { createHash, timingSafeEqual } from 'node:crypto';
import { parseFileId } from 'fastdfs-protocol';
import { checkString, describeValue } from './arguments.js';
import { InvalidArgumentError } from './errors.js';

/**
 * FastDFS anti-steal token (common/fdfs_http_shared.c 306-357):
 *   token = lowercase_hex(md5(file_id + secret + decimal(timestamp)))
 * where file_id is the remote filename **without** the group (fastdfs-nginx-module common.c
 * 1027-1030). A timestamp of 0 never expires.
 */
export function generateToken(fileIdWithoutGroup: string, secret: string, timestamp: number): string {
  checkString('fileIdWithoutGroup', fileIdWithoutGroup);
  checkString('secret', secret);
  checkSeconds('timestamp', timestamp);
  return createHash('md5')
    .update(`${fileIdWithoutGroup}${secret}${Math.trunc(timestamp)}`, 'utf8')
    .digest('hex');
}

/** Strips the group when given a full file id (`group1/M00/…` → `M00/…`). */
export function tokenSubject(fileId: string): string {
  checkString('fileId', fileId);
  // A group may itself start with 'M': only `M<2 hex>/` marks a name without its group.
  return /^M[0-9A-F]{2}\//.test(fileId) ? fileId : parseFileId(fileId).filename;
}

export type TokenCheck = 'ok' | 'malformed' | 'expired' | 'mismatch';

/**
 * fdfs_http_check_token: length must be 32, `now - ts > ttl` is expired, then compare. The token
 * and its timestamp come from the request, so anything but 32 lower-case hex digits and a
 * non-negative number of seconds is 'malformed'; the other arguments are the caller's own (an
 * InvalidArgumentError when of the wrong type).
 */
export function checkToken(
  fileIdWithoutGroup: string,
  secret: string,
  timestamp: number,
  token: string,
  ttlSeconds: number,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): TokenCheck {
  checkString('fileIdWithoutGroup', fileIdWithoutGroup);
  checkString('secret', secret);
  checkSeconds('ttlSeconds', ttlSeconds);
  checkSeconds('nowSeconds', nowSeconds);
  // The C check is a memcmp against lower-case hex: an upper-case token never matches.
  if (typeof token !== 'string' || !/^[0-9a-f]{32}$/.test(token)) return 'malformed';
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0) return 'malformed';
  if (timestamp !== 0 && nowSeconds - timestamp > ttlSeconds) return 'expired';
  const expected = Buffer.from(generateToken(fileIdWithoutGroup, secret, timestamp), 'hex');
  return timingSafeEqual(expected, Buffer.from(token, 'hex')) ? 'ok' : 'mismatch';
}

/** Seconds since the epoch (or a duration): a finite number ≥ 0; a fraction is cut off as the C code's int does. */
function checkSeconds(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative number of seconds, got ${describeValue(value)}`);
  }
}
