import { ProtocolError } from '../../errors.js';
import { IP_SIZE_V4, IP_SIZE_V6 } from '../constants.js';
import type { Decoder } from '../decoder.js';
import type { Encoder } from '../encoder.js';
import type { IpFieldSize } from '../ip-field.js';

/** A storage server as tracker query responses name it: `ip[ipSize-1]` then `port int64`. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** Bytes one address takes in a query response: the IP field loses its NUL (`p += ip_size - 1`). */
export function addressSize(ipSize: IpFieldSize): number {
  return ipSize - 1 + 8;
}

export function writeAddress(e: Encoder, address: ServerAddress, ipSize: IpFieldSize): Encoder {
  return e.writeFixedString(address.host, ipSize - 1).writeInt64(address.port);
}

export function readAddress(d: Decoder, ipSize: IpFieldSize): ServerAddress {
  const host = d.readFixedString(ipSize - 1);
  const port = d.readInt64();
  if (port <= 0 || port > 65535) throw new ProtocolError(`storage port ${port} out of range`);
  if (host === '') throw new ProtocolError('empty storage address');
  return { host, port };
}

/**
 * For bodies made of `fixed` bytes plus n addresses, the IP widths that divide evenly.
 * When both do (n a multiple of 53 or 23), the caller tries 16 first, then 46.
 */
export function candidateIpSizes(length: number, fixed: number): IpFieldSize[] {
  return ([IP_SIZE_V4, IP_SIZE_V6] as IpFieldSize[]).filter((size) => {
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
