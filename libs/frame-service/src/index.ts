/** The runtime of the framed TCP services: server and client. */
export { FrameServer } from './frame-server.js';
export { FRAME_SERVER_DEFAULTS, type FrameServerOptions } from './server-options.js';
export type { FrameHandler, FrameReply, FrameRequest } from './handler.js';
export {
  FrameClient,
  FRAME_CLIENT_DEFAULTS,
  type FrameClientOptions,
  type FrameResponse,
  type RequestOptions,
} from './frame-client.js';
export { FrameClientError } from './client-error.js';
export { SILENT_LOGGER, type ServiceLogger } from './logger.js';
