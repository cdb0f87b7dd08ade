import { Cmd, DEFAULT_MAX_FRAME_LENGTH } from '@pic-storage/frame-protocol';
import { SILENT_LOGGER, type ServiceLogger } from '@pic-storage/frame-service';
import type { FrameServerConf } from '@pic-storage/service-process';
import { AllowList } from './allow-list.js';
import { parseBackendAddress } from './backend.js';

/** Where one cmd's frames go. */
export interface RouteOptions {
  readonly cmd: number;
  /** `host:port` of each backend; requests are spread over them. */
  readonly backends: readonly string[];
  /** How long a backend may take to reply to this cmd; default `backendTimeoutMs`. */
  readonly timeoutMs?: number;
}

export interface AdminProxyOptions extends FrameServerConf {
  /** Default ADMIN_PROXY_DEFAULTS.routes: the stack on one machine. A cmd without a route is UNKNOWN_CMD. */
  routes?: readonly RouteOptions[];
  /** A reply later than this (from the request's send) is BACKEND_UNAVAILABLE. Default 10 s. */
  backendTimeoutMs?: number;
  /** A backend that does not accept a connection within this is skipped. Default 3 s. */
  connectTimeoutMs?: number;
  /** How long a backend that refused a connection is skipped before a request tries it again. Default 1 s. */
  retryIntervalMs?: number;
  /** Connections to each backend, shared by every client. Default 1. */
  backendConnections?: number;
  /** Requests awaiting a reply on one backend connection; past it, the next backend. Default 1024. */
  backendMaxInFlight?: number;
  /**
   * Client address ranges allowed to connect (`10.0.0.0/8`, `::1`, or `*` for everyone); others are
   * closed at once. Default: loopback and the private ranges (RFC 1918, IPv6 unique local).
   */
  allowFrom?: readonly string[];
  logger?: ServiceLogger;
}

export const ADMIN_PROXY_PORT = 6998;

/*
 * The stack on one machine (docs/stack.md). A crop decodes and re-encodes a picture and stores it; a
 * batch delete may hold 4096 files, each deleted from FastDFS and purged: both get longer than the
 * 10 s that a queue append, a session check or a metadata call needs at most.
 */
const DEFAULT_ROUTES: readonly RouteOptions[] = [
  { cmd: Cmd.CROP, backends: ['127.0.0.1:9020', '127.0.0.1:9021'], timeoutMs: 30_000 },
  { cmd: Cmd.QUEUE_DELETES, backends: ['127.0.0.1:9010', '127.0.0.1:9011'] },
  { cmd: Cmd.BATCH_DELETE, backends: ['127.0.0.1:9030', '127.0.0.1:9031'], timeoutMs: 60_000 },
  { cmd: Cmd.SESSION_CHECK, backends: ['127.0.0.1:7003'] },
  { cmd: Cmd.METADATA_REGISTER, backends: ['127.0.0.1:9040'] },
  { cmd: Cmd.METADATA_REMOVE, backends: ['127.0.0.1:9040'] },
  { cmd: Cmd.METADATA_LIST, backends: ['127.0.0.1:9040'] },
];

export const ADMIN_PROXY_DEFAULTS = Object.freeze({
  routes: Object.freeze(DEFAULT_ROUTES.map((route) => Object.freeze({ ...route }))),
  backendTimeoutMs: 10_000,
  connectTimeoutMs: 3_000,
  retryIntervalMs: 1_000,
  backendConnections: 1,
  backendMaxInFlight: 1024,
  allowFrom: Object.freeze(['127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']),
});

/** A route with every default applied. */
export interface Route {
  readonly cmd: number;
  readonly backends: readonly string[];
  readonly timeoutMs: number;
}

export interface ResolvedProxyOptions {
  /** The FrameServer's options; maxFrameLength also bounds a backend's reply. */
  readonly server: FrameServerConf & { readonly maxFrameLength: number };
  readonly routes: readonly Route[];
  readonly connectTimeoutMs: number;
  readonly retryIntervalMs: number;
  readonly backendConnections: number;
  readonly backendMaxInFlight: number;
  readonly allowList: AllowList;
  readonly logger: ServiceLogger;
}

/** Checks every option once (RangeError naming the option) and applies the defaults. */
export function resolveProxyOptions(options: AdminProxyOptions): ResolvedProxyOptions {
  const {
    routes = ADMIN_PROXY_DEFAULTS.routes,
    backendTimeoutMs = ADMIN_PROXY_DEFAULTS.backendTimeoutMs,
    connectTimeoutMs = ADMIN_PROXY_DEFAULTS.connectTimeoutMs,
    retryIntervalMs = ADMIN_PROXY_DEFAULTS.retryIntervalMs,
    backendConnections = ADMIN_PROXY_DEFAULTS.backendConnections,
    backendMaxInFlight = ADMIN_PROXY_DEFAULTS.backendMaxInFlight,
    allowFrom = ADMIN_PROXY_DEFAULTS.allowFrom,
    logger = SILENT_LOGGER,
    ...server
  } = options;
  positive('backendTimeoutMs', backendTimeoutMs);
  positive('connectTimeoutMs', connectTimeoutMs);
  positive('retryIntervalMs', retryIntervalMs);
  positive('backendConnections', backendConnections);
  positive('backendMaxInFlight', backendMaxInFlight);
  const seen = new Set<number>();
  const resolved = routes.map((route, i): Route => {
    const where = `routes[${i}]`;
    if (!Number.isInteger(route.cmd) || route.cmd < 0 || route.cmd > 0xffff) {
      throw new RangeError(`${where}.cmd must be a cmd number 0..65535, got ${route.cmd}`);
    }
    if (seen.has(route.cmd)) throw new RangeError(`${where}: cmd ${route.cmd} has a route already`);
    seen.add(route.cmd);
    if (route.backends.length === 0) throw new RangeError(`${where} (cmd ${route.cmd}) lists no backend`);
    for (const backend of route.backends) parseBackendAddress(backend);
    const timeoutMs = route.timeoutMs ?? backendTimeoutMs;
    positive(`${where}.timeoutMs`, timeoutMs);
    return Object.freeze({ cmd: route.cmd, backends: Object.freeze([...route.backends]), timeoutMs });
  });
  return Object.freeze({
    server: { ...server, maxFrameLength: server.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH },
    routes: Object.freeze(resolved),
    connectTimeoutMs,
    retryIntervalMs,
    backendConnections,
    backendMaxInFlight,
    allowList: new AllowList(allowFrom),
    logger,
  });
}

function positive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
}
