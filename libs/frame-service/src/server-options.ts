import { DEFAULT_MAX_FRAME_LENGTH, HEADER_SIZE } from '@pic-storage/frame-protocol';
import type { FrameForwarder, FrameHandler } from './handler.js';
import { LogThrottle } from './log-throttle.js';
import { SILENT_LOGGER, type ServiceLogger } from './logger.js';

export interface FrameServerOptions {
  /** The handler of each cmd the service serves. */
  handlers: ReadonlyMap<number, FrameHandler>;
  /**
   * Serves every cmd that has no handler, as bytes (admin_proxy's relay); without it such a cmd is
   * UNKNOWN_CMD.
   */
  forwarder?: FrameForwarder;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Connections held at once; more are closed as they arrive. Default 1024. */
  maxConnections?: number;
  /** Requests of one connection being served at once; past it the connection is not read. Default 64. */
  maxInFlightPerConnection?: number;
  /** A connection with nothing in flight and no byte in or out for this long is closed. Default 300 s. */
  idleTimeoutMs?: number;
  /** The largest frame accepted, header included; a larger `len` closes the connection. Default 1 MiB. */
  maxFrameLength?: number;
  /** Reply bytes a connection may leave unread before it is no longer read from. Default 4 MiB. */
  maxUnreadReplyBytes?: number;
  /** Who may connect (admin_proxy's allow-list); others are closed at once. Default: everyone. */
  allowAddress?: (address: string) => boolean;
  /** How long stop() waits for accepted requests before closing what is left. Default 7 s. */
  stopTimeoutMs?: number;
  /** Default: silent. */
  logger?: ServiceLogger;
}

export const FRAME_SERVER_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  maxConnections: 1024,
  maxInFlightPerConnection: 64,
  idleTimeoutMs: 300_000,
  maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
  maxUnreadReplyBytes: 4 * 1024 * 1024,
  stopTimeoutMs: 7_000,
});

export type ResolvedFrameServerOptions = Readonly<
  Required<Omit<FrameServerOptions, 'forwarder' | 'allowAddress'>> &
    Pick<FrameServerOptions, 'forwarder' | 'allowAddress'>
>;

const POSITIVE_INTEGERS = [
  'maxConnections',
  'maxInFlightPerConnection',
  'idleTimeoutMs',
  'maxUnreadReplyBytes',
  'stopTimeoutMs',
] as const;

/** Defaults filled in and every field checked once, at construction; the result is frozen. */
export function resolveFrameServerOptions(options: FrameServerOptions): ResolvedFrameServerOptions {
  const resolved = {
    ...FRAME_SERVER_DEFAULTS,
    ...stripUndefined(options),
    handlers: options.handlers,
    port: options.port,
    // The runtime's own lines (framing errors, refusals) at a bounded rate: see LogThrottle.
    logger: new LogThrottle(options.logger ?? SILENT_LOGGER),
  };
  if (typeof resolved.handlers?.get !== 'function')
    throw new TypeError('handlers must be a Map of cmd to FrameHandler');
  for (const cmd of resolved.handlers.keys()) {
    if (!Number.isInteger(cmd) || cmd < 0 || cmd > 0xffff) throw new RangeError(`handler cmd ${cmd} is not a uint16`);
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${String(resolved.port)}`);
  }
  for (const key of POSITIVE_INTEGERS) {
    if (!Number.isSafeInteger(resolved[key]) || resolved[key] <= 0) {
      throw new RangeError(`${key} must be a positive integer, got ${String(resolved[key])}`);
    }
  }
  const { maxFrameLength } = resolved;
  if (!Number.isSafeInteger(maxFrameLength) || maxFrameLength < HEADER_SIZE || maxFrameLength > 0xffffffff) {
    throw new RangeError(`maxFrameLength must be an integer in ${HEADER_SIZE}..2^32-1, got ${String(maxFrameLength)}`);
  }
  return Object.freeze(resolved);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
