import { SessionKeyError } from './errors.js';

/*
 * The session struct (docs/session-key.md): 18 bytes, packed, little-endian, as the C game servers wrote it.
 * It is the plaintext of a session key (zero-padded to 24 bytes) and the response body of
 * cmd 0x10B5 (session check).
 *
 *   0  uid           uint16   user id
 *   2  channel       uint16   not checked
 *   4  albumid       uint16   album id, echoed in the upload response
 *   6  i_ip          4 bytes  IPv4 of the upload server, network order (a.b.c.d → a, b, c, d,
 *                             as inet_addr stores it); 0.0.0.0 = any server
 *  10  i_time        uint16   issue time: the low 16 bits of the Unix time in seconds
 *  12  weight_limit  uint16   maximum picture width in pixels (the C name says weight); 0 = none
 *  14  height_limit  uint16   maximum picture height in pixels; 0 = none
 *  16  is_head       uint16   not checked (avatar flag)
 */
export const SESSION_STRUCT_SIZE = 18;

/** The struct's fields. `ip` is i_ip as dotted text; `widthLimit` is the C struct's weight_limit. */
export interface SessionFields {
  uid: number;
  channel: number;
  albumid: number;
  ip: string;
  time: number;
  widthLimit: number;
  heightLimit: number;
  isHead: number;
}

/** Each field's offset in the struct; i_ip is the one 4-byte field, the others are uint16. */
const OFFSET = {
  uid: 0,
  channel: 2,
  albumid: 4,
  ip: 6,
  time: 10,
  widthLimit: 12,
  heightLimit: 14,
  isHead: 16,
} as const;

type Uint16Field = Exclude<keyof SessionFields, 'ip'>;
const UINT16_FIELDS: readonly Uint16Field[] = [
  'uid',
  'channel',
  'albumid',
  'time',
  'widthLimit',
  'heightLimit',
  'isHead',
];

/** The 18 bytes of `fields`; a field out of its type's range is a BAD_FIELD SessionKeyError, never cut to fit. */
export function encodeSessionStruct(fields: SessionFields, into = Buffer.alloc(SESSION_STRUCT_SIZE)): Buffer {
  for (const name of UINT16_FIELDS) {
    const value = fields[name];
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
      throw new SessionKeyError('BAD_FIELD', `${name} must be an integer from 0 to 65535, got ${String(value)}`);
    }
    into.writeUInt16LE(value, OFFSET[name]);
  }
  ipv4Bytes(fields.ip).copy(into, OFFSET.ip);
  return into;
}

/** Reads the struct from the first 18 bytes of `struct` (a decrypted key has 6 padding bytes after them). */
export function decodeSessionStruct(struct: Buffer): SessionFields {
  if (struct.length < SESSION_STRUCT_SIZE) {
    throw new SessionKeyError('SESSION_INVALID', `a session struct is 18 bytes, got ${struct.length}`);
  }
  const read = (name: Uint16Field): number => struct.readUInt16LE(OFFSET[name]);
  return {
    uid: read('uid'),
    channel: read('channel'),
    albumid: read('albumid'),
    ip: [...struct.subarray(OFFSET.ip, OFFSET.ip + 4)].join('.'),
    time: read('time'),
    widthLimit: read('widthLimit'),
    heightLimit: read('heightLimit'),
    isHead: read('isHead'),
  };
}

/** `a.b.c.d` (each 0-255, no leading zeros) → its 4 bytes in network order. */
export function ipv4Bytes(ip: string): Buffer {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  const parts = m === null ? [] : m.slice(1).map(Number);
  const valid = m !== null && parts.every((n, i) => n <= 255 && String(n) === m[i + 1]);
  if (!valid) throw new SessionKeyError('BAD_FIELD', `ip must be an IPv4 address a.b.c.d, got ${JSON.stringify(ip)}`);
  return Buffer.from(parts);
}
