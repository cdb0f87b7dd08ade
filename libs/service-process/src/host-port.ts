/**
 * `host:port` or `[ipv6]:port`, port 1-65535, as the services' conf lines and CLIs take an address
 * (`127.0.0.1:9020`, `10.1.1.197:6998`); undefined when `text` is not one. Callers say what the
 * address was for in their own error.
 */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}
