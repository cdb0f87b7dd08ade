import { isIP } from 'node:net';
import type { ConfReader } from 'fastdfs-conf';
import { ConfigError } from 'fastdfs-protocol';

/**
 * The listen address of a public listener: the front's HTTP port and admin_proxy, the two ports
 * other machines reach. PIC_BIND_ADDR, when set, wins over the conf's `bind_addr`; the Docker image
 * sets it to 0.0.0.0 so that its published ports take connections from outside the container.
 * The internal services (cut_svr, del_svr, ...) never read it: they keep their conf's address,
 * loopback by default, inside the container as on a host.
 */
export function publicBindAddr(conf: ConfReader, fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PIC_BIND_ADDR;
  if (fromEnv === undefined || fromEnv === '') return conf.string('bind_addr') || fallback;
  if (isIP(fromEnv) === 0) {
    throw new ConfigError(`PIC_BIND_ADDR must be an IP address such as 0.0.0.0 or ::, got ${JSON.stringify(fromEnv)}`);
  }
  return fromEnv;
}
