import { ResultCode } from '../result-codes.js';
import { ResultError } from '../result-error.js';

/*
 * cmd 0x10B5, session check (sess_check_svr).
 * Request, len-18 bytes: the session key as its hex text, 48 ASCII hex digits (docs/session-key.md). A C
 * client may send it NUL-terminated or in a NUL-padded char[N]: the text ends at the first NUL,
 * and every byte after it must be NUL too.
 *
 * Response on success (ret 0), 18 bytes: the decoded session struct, little-endian, exactly as
 * in the key (@pic-storage/session-key encodeSessionStruct / decodeSessionStruct):
 *
 *   0  uid  uint16 | 2  channel  uint16 | 4  albumid  uint16 | 6  i_ip  4 bytes, network order
 *  10  i_time  uint16 | 12  weight_limit  uint16 | 14  height_limit  uint16 | 16  is_head  uint16
 *
 * Otherwise header only, ret SESSION_INVALID (1007), SESSION_EXPIRED (1008) or SESSION_EXHAUSTED
 * (1009); STORAGE_UNAVAILABLE (1005) when the use count could not be kept (docs/frame-protocol.md).
 */
export const SESSION_CHECK_RESPONSE_SIZE = 18;
/** A longer body cannot hold a session key (48 digits) and a little NUL padding: SESSION_INVALID unread. */
export const SESSION_CHECK_MAX_BODY = 256;

export function encodeSessionCheckRequest(hex: string): Buffer {
  return Buffer.from(hex, 'latin1');
}

/**
 * The key's text, up to the first NUL. The text itself is checked by the session-key decoder;
 * what cannot be a key's text at all (too long, bytes after the NUL) is SESSION_INVALID here,
 * the code a client gets for every key that is not a key.
 */
export function decodeSessionCheckRequest(body: Buffer): string {
  const what = 'session check (0x10B5)';
  if (body.length > SESSION_CHECK_MAX_BODY) {
    throw new ResultError(ResultCode.SESSION_INVALID, `${what}: a ${body.length}-byte body is no session key`);
  }
  const nul = body.indexOf(0);
  if (nul !== -1 && body.subarray(nul).some((byte) => byte !== 0)) {
    throw new ResultError(ResultCode.SESSION_INVALID, `${what}: bytes after the NUL that ends the key`);
  }
  return body.toString('latin1', 0, nul === -1 ? body.length : nul);
}
