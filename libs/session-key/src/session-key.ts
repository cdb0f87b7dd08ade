import { desKeyOf, type DesKeyInput } from './des-key.js';
import { SessionKeyError } from './errors.js';
import {
  checkSessionAge,
  SESSION_AGE_DEFAULTS,
  unixTime,
  type SessionAge,
  type SessionAgeOptions,
} from './session-age.js';
import { decodeSessionStruct, encodeSessionStruct, SESSION_STRUCT_SIZE, type SessionFields } from './session-struct.js';

/*
 * A session key (docs/session-key.md): the 18-byte session struct, zero-padded to 24 bytes (a whole number
 * of DES blocks), encrypted with single DES-ECB under the 8-byte key, written as 48 hex digits.
 */
const PLAINTEXT_SIZE = 24;
export const SESSION_KEY_HEX_LENGTH = PLAINTEXT_SIZE * 2;
const HEX_KEY = /^[0-9a-f]{48}$/i;

/** What issuing takes: uid at least; the rest default to 0 (ip 0.0.0.0 = any server, time = now). */
export type IssueFields = Pick<SessionFields, 'uid'> & Partial<SessionFields>;

/** A new session key, 48 lowercase hex digits; `now` (Unix seconds) is the issue time unless `fields.time` is given. */
export function issueSessionKey(fields: IssueFields, key: DesKeyInput, now: number = unixTime()): string {
  const plain = Buffer.alloc(PLAINTEXT_SIZE);
  encodeSessionStruct(
    {
      uid: fields.uid,
      channel: fields.channel ?? 0,
      albumid: fields.albumid ?? 0,
      ip: fields.ip ?? '0.0.0.0',
      time: fields.time ?? Math.floor(now) % 0x10000,
      widthLimit: fields.widthLimit ?? 0,
      heightLimit: fields.heightLimit ?? 0,
      isHead: fields.isHead ?? 0,
    },
    plain,
  );
  return desKeyOf(key).encrypt(plain).toString('hex');
}

/**
 * The fields of a session key. Exactly 48 hex digits (either case), and the 6 padding bytes
 * must decrypt to zero (a wrong DES key or a forged key almost never does): anything else is a
 * SESSION_INVALID SessionKeyError. The age is not checked here (checkSessionAge, verifySessionKey).
 */
export function decodeSessionKey(hex: string, key: DesKeyInput): SessionFields {
  if (!HEX_KEY.test(hex)) {
    const shown = hex.length > 60 ? `${hex.length} characters` : JSON.stringify(hex);
    throw new SessionKeyError('SESSION_INVALID', `a session key is 48 hex digits, got ${shown}`);
  }
  const plain = desKeyOf(key).decrypt(Buffer.from(hex, 'hex'));
  if (plain.subarray(SESSION_STRUCT_SIZE).some((byte) => byte !== 0)) {
    throw new SessionKeyError(
      'SESSION_INVALID',
      'the session key does not decrypt with this DES key (padding not zero)',
    );
  }
  return decodeSessionStruct(plain);
}

export interface VerifiedSession {
  fields: SessionFields;
  age: SessionAge;
}

/** decodeSessionKey, then checkSessionAge: a key out of its window is a SESSION_EXPIRED SessionKeyError. */
export function verifySessionKey(
  hex: string,
  key: DesKeyInput,
  now: number = unixTime(),
  options: SessionAgeOptions = SESSION_AGE_DEFAULTS,
): VerifiedSession {
  const fields = decodeSessionKey(hex, key);
  const age = checkSessionAge(fields, now, options);
  if (!age.valid) {
    throw new SessionKeyError(
      'SESSION_EXPIRED',
      `the session key was issued ${age.age} s ago (mod 65536), past its ${options.windowSeconds} s window`,
    );
  }
  return { fields, age };
}
