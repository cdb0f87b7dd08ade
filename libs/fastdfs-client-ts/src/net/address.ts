import { InvalidArgumentError } from '../errors.js';

export interface Address {
  host: string;
  port: number;
}

/** `host:port` or `[v6]:port`; the port is required (FastDFS has no default in tracker_server lines). */
export function parseAddress(text: string, what = 'address'): Address {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text.trim()) ?? /^([^:\s]+):(\d+)$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError(`${what} ${JSON.stringify(text)} must be host:port`);
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`${what} ${JSON.stringify(text)}: port must be 1-65535`);
  }
  return { host: m[1] as string, port };
}

export function formatAddress({ host, port }: Address): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
