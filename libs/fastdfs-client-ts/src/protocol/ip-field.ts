import { ProtocolError } from '../errors.js';
import { IP_SIZE_V4, IP_SIZE_V6 } from './constants.js';

/**
 * FastDFS sends IP addresses in fixed fields 16 bytes wide (IPv4 servers, 6.15+ by default,
 * and everything before 6.11) or 46 bytes wide (6.11–6.13 always; 6.15+ with IPv6 storage ids).
 * No flag says which: the reader tells from the body length (client/tracker_client.c 1250-1268).
 */
export type IpFieldSize = typeof IP_SIZE_V4 | typeof IP_SIZE_V6;

/** Picks the IP width whose layout explains `length`: `layoutLength(ipSize)` gives the expected body size. */
export function detectIpSize(length: number, layoutLength: (ipSize: IpFieldSize) => number, what: string): IpFieldSize {
  if (length === layoutLength(IP_SIZE_V4)) return IP_SIZE_V4;
  if (length === layoutLength(IP_SIZE_V6)) return IP_SIZE_V6;
  throw new ProtocolError(
    `${what}: body of ${length} bytes is neither the 16-byte-IP (${layoutLength(IP_SIZE_V4)}) ` +
      `nor the 46-byte-IP (${layoutLength(IP_SIZE_V6)}) layout`,
  );
}
