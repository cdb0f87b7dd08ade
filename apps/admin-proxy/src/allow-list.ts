import { isIPv4, isIPv6 } from 'node:net';

/*
 * Client address ranges, IPv4 and IPv6 in one form: 16 bytes and a prefix length. An IPv4 address
 * is kept as its IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 2.5.5.2) and an IPv4 /n as /96+n,
 * so `10.0.0.0/8` matches a client the socket reports as `10.1.1.5` and as `::ffff:10.1.1.5` alike.
 */

/** One CIDR range: `10.0.0.0/8`, `::1/128`, or a bare address (all its bits). */
export interface AddressRange {
  /** As written. */
  readonly text: string;
  readonly bytes: Buffer;
  /** Leading bits that must match, 0..128. */
  readonly prefix: number;
}

const MAPPED_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/**
 * The 16-byte form of an address as a socket reports it; undefined for anything else. An IPv6
 * zone (`fe80::1%eth0`) is ignored.
 */
export function addressBytes(address: string): Buffer | undefined {
  if (isIPv4(address)) return Buffer.concat([MAPPED_PREFIX, Buffer.from(address.split('.').map(Number))]);
  const unzoned = address.replace(/%.*$/, '');
  return isIPv6(unzoned) ? ipv6Bytes(unzoned) : undefined;
}

function ipv6Bytes(address: string): Buffer {
  let text = address;
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes its two 16-bit groups.
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail !== null) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const headGroups = groups(head);
  const all =
    rest === undefined
      ? headGroups
      : [...headGroups, ...new Array<string>(8 - headGroups.length - groups(rest).length).fill('0'), ...groups(rest)];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

/** Parses `a.b.c.d[/n]` or `ipv6[/n]`; throws a RangeError saying what is wrong. */
export function parseAddressRange(text: string): AddressRange {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(text);
  const address = m?.[1] ?? '';
  const v4 = isIPv4(address);
  if (m === null || (!v4 && !isIPv6(address))) {
    throw new RangeError(`${JSON.stringify(text)} is not an address range like 10.0.0.0/8 or fc00::/7`);
  }
  const bits = v4 ? 32 : 128;
  const length = m[2] === undefined ? bits : Number(m[2]);
  if (length > bits) throw new RangeError(`${text}: the prefix length must be 0..${bits}`);
  const bytes = addressBytes(address) as Buffer;
  const prefix = length + (v4 ? 96 : 0);
  if (!masked(bytes, prefix).equals(bytes)) {
    // 10.1.1.5/8 is most likely a typo for 10.1.1.5/32 or 10.0.0.0/8: say so rather than guess.
    const network = v4 ? `${[...masked(bytes, prefix).subarray(12)].join('.')}/${length}` : 'its network address';
    throw new RangeError(`${text} has bits set past its /${length} prefix: write ${network}, or the address alone`);
  }
  return { text, bytes, prefix };
}

/** `bytes` with every bit past `prefix` cleared. */
function masked(bytes: Buffer, prefix: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < 16; i++) {
    const keep = Math.min(8, Math.max(0, prefix - i * 8));
    out[i] = (out[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

function contains(range: AddressRange, address: Buffer): boolean {
  const whole = range.prefix >> 3;
  if (address.compare(range.bytes, 0, whole, 0, whole) !== 0) return false;
  const bits = range.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((address[whole] as number) & mask) === ((range.bytes[whole] as number) & mask);
}

/** `*` in an allow-list: every client. */
export const EVERYONE = '*';

/** Who may connect: a list of ranges, or everyone (`*`). */
export class AllowList {
  readonly ranges: readonly AddressRange[];
  readonly everyone: boolean;

  /** Throws a RangeError for the first entry that is neither `*` nor a range. */
  constructor(entries: readonly string[]) {
    this.everyone = entries.includes(EVERYONE);
    this.ranges = entries.filter((entry) => entry !== EVERYONE).map(parseAddressRange);
  }

  /** An address the socket reports (`10.1.1.5`, `::ffff:10.1.1.5`, `::1`); an unparsable one is refused. */
  allows(address: string): boolean {
    if (this.everyone) return true;
    const bytes = addressBytes(address);
    return bytes !== undefined && this.ranges.some((range) => contains(range, bytes));
  }
}
