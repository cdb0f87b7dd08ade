import { ProtocolError } from './errors.js';
import { addressSize } from './address.js';

/**
 * FastDFS sends IP addresses in fixed fields 16 bytes wide (IPv4 servers, 6.15+ by default,
 * and everything before 6.11) or 46 bytes wide (6.11–6.13 always; 6.15+ with IPv6 storage ids).
 * No flag says which: the reader tells from the body length (client/tracker_client.c 1250-1268).
 */
export const IP_FIELD_SIZES = [16, 46] as const;
/** IPV4_ADDRESS_SIZE and IPV6_ADDRESS_SIZE: the two widths of an IP field on the wire. */
export type IpFieldSize = (typeof IP_FIELD_SIZES)[number];
export const IP_SIZE_V4: IpFieldSize = 16;
export const IP_SIZE_V6: IpFieldSize = 46;

/** Picks the IP width whose layout explains `length`: `layoutLength(ipSize)` gives the expected body size. */
export function detectIpSize(length: number, layoutLength: (ipSize: IpFieldSize) => number, what: string): IpFieldSize {
  if (length === layoutLength(IP_SIZE_V4)) return IP_SIZE_V4;
  if (length === layoutLength(IP_SIZE_V6)) return IP_SIZE_V6;
  throw new ProtocolError(
    `${what}: body of ${length} bytes is neither the 16-byte-IP (${layoutLength(IP_SIZE_V4)}) ` +
      `nor the 46-byte-IP (${layoutLength(IP_SIZE_V6)}) layout`,
  );
}

/**
 * For bodies made of `fixed` bytes plus n addresses, the IP widths that divide evenly.
 * When both do (n a multiple of 53 or 23), the caller tries 16 first, then 46.
 */
export function candidateIpSizes(length: number, fixed: number): IpFieldSize[] {
  return IP_FIELD_SIZES.filter((size) => {
    const rest = length - fixed;
    return rest > 0 && rest % addressSize(size) === 0;
  });
}

/** Decodes with the first IP width under which the body parses cleanly. */
export function decodeWithIpSizes<T>(
  length: number,
  fixed: number,
  what: string,
  decode: (ipSize: IpFieldSize) => T,
): T {
  let lastError: unknown;
  for (const size of candidateIpSizes(length, fixed)) {
    try {
      return decode(size);
    } catch (err) {
      lastError = err;
    }
  }
  if (lastError instanceof Error) throw lastError;
  throw new ProtocolError(`${what}: body of ${length} bytes fits neither the 16- nor the 46-byte IP layout`);
}
