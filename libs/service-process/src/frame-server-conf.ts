import type { ConfReader } from 'fastdfs-conf';
import { ConfigError } from 'fastdfs-protocol';
import { FRAME_SERVER_DEFAULTS, type FrameServerOptions } from '@pic-storage/frame-service';
import { publicBindAddr } from './bind-addr.js';

/**
 * The conf keys every framed service has, with FastDFS's spelling and units (seconds):
 *
 *   bind_addr = 127.0.0.1                 # listen address; PIC_BIND_ADDR overrides it for a public listener
 *   port = 9010                           # PIC_PORT overrides it (a second instance of a service)
 *   max_connections = 1024
 *   max_in_flight_per_connection = 64     # requests of one connection served at once
 *   idle_timeout = 300                    # seconds a connection with nothing in flight may stay silent
 *   max_frame_length = 1MB                # larger frames close the connection
 */
export const FRAME_SERVER_CONF_KEYS = [
  'bind_addr',
  'port',
  'max_connections',
  'max_in_flight_per_connection',
  'idle_timeout',
  'max_frame_length',
] as const;

export type FrameServerConf = Omit<FrameServerOptions, 'handlers' | 'fallback' | 'logger' | 'allowAddress'>;

export interface FrameServerConfOptions {
  /** A port other machines reach (admin_proxy): PIC_BIND_ADDR, when set, wins over bind_addr. */
  publicListener?: boolean;
}

export function readFrameServerConf(
  conf: ConfReader,
  defaultPort: number,
  env: NodeJS.ProcessEnv = process.env,
  options: FrameServerConfOptions = {},
): FrameServerConf {
  let port = conf.int('port', 0, 65535) ?? defaultPort;
  if (env.PIC_PORT !== undefined && env.PIC_PORT !== '') {
    if (!/^\d{1,5}$/.test(env.PIC_PORT) || Number(env.PIC_PORT) > 65535) {
      throw new ConfigError(`PIC_PORT must be a port number, got ${JSON.stringify(env.PIC_PORT)}`);
    }
    port = Number(env.PIC_PORT);
  }
  const idle = conf.int('idle_timeout', 1, 86_400);
  return {
    host: options.publicListener
      ? publicBindAddr(conf, FRAME_SERVER_DEFAULTS.host, env)
      : conf.string('bind_addr') || FRAME_SERVER_DEFAULTS.host,
    port,
    maxConnections: conf.int('max_connections', 1, 1_000_000) ?? FRAME_SERVER_DEFAULTS.maxConnections,
    maxInFlightPerConnection:
      conf.int('max_in_flight_per_connection', 1, 65_536) ?? FRAME_SERVER_DEFAULTS.maxInFlightPerConnection,
    idleTimeoutMs: idle === undefined ? FRAME_SERVER_DEFAULTS.idleTimeoutMs : idle * 1000,
    maxFrameLength: conf.size('max_frame_length', 18, 64 * 1024 * 1024) ?? FRAME_SERVER_DEFAULTS.maxFrameLength,
  };
}
