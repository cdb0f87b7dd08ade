import { InvalidArgumentError, ProtocolError } from './errors.js';
import { describeValue } from './describe-value.js';
import type { Decoder } from './decoder.js';
import type { Encoder } from './encoder.js';
import type { IpFieldSize } from './ip-field.js';

/** A tracker or storage server: the one host:port type of the FastDFS packages. */
export interface Address {
  host: string;
  port: number;
}

/** `host:port` or `[v6]:port`; the port is required (FastDFS has no default in tracker_server lines). */
export function parseAddress(text: string, what = 'address'): Address {
  if (typeof text !== 'string') {
    throw new InvalidArgumentError(`${what} must be a "host:port" string, got ${describeValue(text)}`);
  }
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text.trim()) ?? /^([^:\s]+):(\d+)$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError(`${what} ${JSON.stringify(text)} must be host:port`);
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`${what} ${JSON.stringify(text)}: port must be 1-65535`);
  }
  return { host: m[1] as string, port };
}

/** `host:port`, or `[v6]:port` for an IPv6 host. */
export function formatAddress(address: Address): string {
  const { host, port } = (address ?? {}) as Partial<Address>;
  if (typeof host !== 'string' || typeof port !== 'number') {
    throw new InvalidArgumentError(`address must be { host: string, port: number }, got ${describeValue(address)}`);
  }
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/*
 * On the wire, tracker query replies name a storage as `ip[ipSize - 1]` then `port int64`:
 * the IP field loses its NUL (`p += ip_size - 1`, tracker_service.c).
 */

/** Bytes one address takes in a query reply. */
export function addressSize(ipSize: IpFieldSize): number {
  return ipSize - 1 + 8;
}

export function writeAddress(e: Encoder, address: Address, ipSize: IpFieldSize): Encoder {
  return e.writeFixedString(address.host, ipSize - 1).writeInt64(address.port);
}

export function readAddress(d: Decoder, ipSize: IpFieldSize): Address {
  const host = d.readFixedString(ipSize - 1);
  const port = d.readInt64();
  if (port <= 0 || port > 65535) throw new ProtocolError(`storage port ${port} out of range`);
  if (host === '') throw new ProtocolError('empty storage address');
  return { host, port };
}
