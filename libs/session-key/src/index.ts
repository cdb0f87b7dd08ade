/** The upload session key (docs/session-key.md): issue, decode and check it. */
export { SessionKeyError, type SessionKeyErrorCode } from './errors.js';
export { DesKey, desKeyOf, DES_BLOCK_SIZE, DES_KEY_SIZE, type DesKeyInput } from './des-key.js';
export {
  decodeSessionStruct,
  encodeSessionStruct,
  ipv4Bytes,
  SESSION_STRUCT_SIZE,
  type SessionFields,
} from './session-struct.js';
export {
  checkSessionAge,
  checkSessionAgeOptions,
  SESSION_AGE_DEFAULTS,
  unixTime,
  type SessionAge,
  type SessionAgeOptions,
} from './session-age.js';
export {
  decodeSessionKey,
  issueSessionKey,
  verifySessionKey,
  SESSION_KEY_HEX_LENGTH,
  type IssueFields,
  type VerifiedSession,
} from './session-key.js';
export { DEV_DES_KEY } from './dev-key.js';
