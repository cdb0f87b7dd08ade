import { DEFAULT_MAX_FRAME_LENGTH, HEADER_SIZE } from '@pic-storage/frame-protocol';

export interface FrameClientOptions {
  host: string;
  port: number;
  /** A connection not made in this long fails its requests with reason 'connect'. Default 3 s. */
  connectTimeoutMs?: number;
  /** A request without its response after this long fails with reason 'timeout'. Default 10 s. */
  requestTimeoutMs?: number;
  /** Requests awaiting their response at once; more fail at once with reason 'busy'. Default 1024. */
  maxInFlight?: number;
  /** The largest frame sent or accepted, header included. Default 1 MiB. */
  maxFrameLength?: number;
  /**
   * A connection with nothing in flight is closed after this long without traffic (the next
   * request reconnects). Default 60 s: under the servers' 300 s, so the client closes first and
   * never writes a request into a connection the server is closing.
   */
  idleTimeoutMs?: number;
}

export const FRAME_CLIENT_DEFAULTS = Object.freeze({
  connectTimeoutMs: 3_000,
  requestTimeoutMs: 10_000,
  maxInFlight: 1024,
  maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
  idleTimeoutMs: 60_000,
});

export type ResolvedFrameClientOptions = Readonly<Required<FrameClientOptions>>;

const POSITIVE_INTEGERS = ['connectTimeoutMs', 'requestTimeoutMs', 'maxInFlight', 'idleTimeoutMs'] as const;

/** Defaults filled in and every field checked once, at construction; the result is frozen. */
export function resolveFrameClientOptions(options: FrameClientOptions): ResolvedFrameClientOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const resolved = { ...FRAME_CLIENT_DEFAULTS, ...defined, host: options.host, port: options.port };
  if (typeof resolved.host !== 'string' || resolved.host === '') throw new TypeError('host must be a non-empty string');
  if (!Number.isInteger(resolved.port) || resolved.port < 1 || resolved.port > 65535) {
    throw new RangeError(`port must be an integer in 1..65535, got ${String(resolved.port)}`);
  }
  for (const key of POSITIVE_INTEGERS) positiveInteger(key, resolved[key]);
  const { maxFrameLength } = resolved;
  if (!Number.isSafeInteger(maxFrameLength) || maxFrameLength < HEADER_SIZE || maxFrameLength > 0xffffffff) {
    throw new RangeError(`maxFrameLength must be an integer in ${HEADER_SIZE}..2^32-1, got ${String(maxFrameLength)}`);
  }
  return Object.freeze(resolved);
}

export function positiveInteger(name: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
}
