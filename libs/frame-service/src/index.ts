/** The runtime of the framed TCP services: server and client (docs/frame-protocol.md). */
export { FrameServer } from './frame-server.js';
export { FRAME_SERVER_DEFAULTS, type FrameServerOptions } from './server-options.js';
export type { FrameServerStats } from './server-stats.js';
export type { FrameForwarder, FrameHandler, FrameOrigin, FrameReply, FrameRequest } from './handler.js';
export {
  FrameClient,
  type ForwardTarget,
  type FrameClientStats,
  type FrameResponse,
  type RequestOptions,
} from './frame-client.js';
export { FRAME_CLIENT_DEFAULTS, type FrameClientOptions } from './client-options.js';
export { FrameClientError, type FrameClientErrorReason } from './client-error.js';
export { SILENT_LOGGER, type ServiceLogger } from './logger.js';
export { LogThrottle } from './log-throttle.js';
