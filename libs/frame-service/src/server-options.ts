import { DEFAULT_MAX_FRAME_LENGTH } from '@pic-storage/frame-protocol';
import type { FrameHandler } from './handler.js';
import { SILENT_LOGGER, type ServiceLogger } from './logger.js';

export interface FrameServerOptions {
  /** The handler of each cmd the service serves. */
  handlers: ReadonlyMap<number, FrameHandler>;
  /** Serves every cmd that has no handler (admin_proxy); without it such a cmd is UNKNOWN_CMD. */
  fallback?: FrameHandler;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Connections held at once; more are closed as they arrive. */
  maxConnections?: number;
  /** Requests of one connection being served at once; past it the connection is not read. */
  maxInFlightPerConnection?: number;
  /** A connection with nothing in flight and no bytes for this long is closed. */
  idleTimeoutMs?: number;
  /** The largest frame accepted, header included; a larger `len` closes the connection. */
  maxFrameLength?: number;
  /** Reply bytes a connection may leave unread before it is no longer read from. */
  maxUnreadReplyBytes?: number;
  /** Who may connect (admin_proxy's allow-list); others are closed at once. Default: everyone. */
  allowAddress?: (address: string) => boolean;
  /** How long stop() waits for accepted requests before closing what is left. */
  stopTimeoutMs?: number;
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

export type ResolvedFrameServerOptions = Required<Omit<FrameServerOptions, 'fallback' | 'allowAddress'>> &
  Pick<FrameServerOptions, 'fallback' | 'allowAddress'>;

export function resolveFrameServerOptions(options: FrameServerOptions): ResolvedFrameServerOptions {
  const resolved = {
    ...FRAME_SERVER_DEFAULTS,
    logger: SILENT_LOGGER,
    ...stripUndefined(options),
    handlers: options.handlers,
    port: options.port,
  };
  for (const key of ['maxConnections', 'maxInFlightPerConnection', 'idleTimeoutMs', 'stopTimeoutMs'] as const) {
    if (!Number.isSafeInteger(resolved[key]) || resolved[key] <= 0) {
      throw new RangeError(`${key} must be a positive integer, got ${String(resolved[key])}`);
    }
  }
  if (!Number.isSafeInteger(resolved.maxFrameLength) || resolved.maxFrameLength < 18) {
    throw new RangeError(`maxFrameLength must be an integer of at least 18, got ${resolved.maxFrameLength}`);
  }
  return Object.freeze(resolved);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
