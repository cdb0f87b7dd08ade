/** One address a service listens on, read off its `listening` log line. */
export interface ListenAddress {
  /** `tracker`, `storage`: the role when a service has several listeners; undefined otherwise. */
  role?: string;
  host: string;
  port: number;
}

/** What the table shows of one service of the stack. */
export interface StartedService {
  name: string;
  pid: number | undefined;
  listens: readonly ListenAddress[];
  /** The public HTTP port: shown as a URL. */
  http?: boolean;
}

function isAddress(value: unknown): value is { host: string; port: number } {
  if (typeof value !== 'object' || value === null) return false;
  const { host, port } = value as { host?: unknown; port?: unknown };
  return typeof host === 'string' && typeof port === 'number';
}

/**
 * Where a service listens, from its `listening` line. The services log it in three shapes:
 * `host`/`port` at the top, `address: {host, port}`, or, with several listeners, one object per
 * listener named for its role (the embedded FastDFS's `tracker` and `storage`). In the first two
 * shapes other address objects are what the service connects to (the front's `metadata`).
 */
export function listenAddresses(line: Record<string, unknown>): ListenAddress[] {
  if (isAddress(line)) return [{ host: line.host, port: line.port }];
  if (isAddress(line.address)) return [{ host: line.address.host, port: line.address.port }];
  const found: ListenAddress[] = [];
  for (const [role, value] of Object.entries(line)) {
    if (isAddress(value)) found.push({ role, host: value.host, port: value.port });
  }
  return found;
}

function shown(address: ListenAddress, http: boolean): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const where = http ? `http://${host}:${address.port}/` : `${host}:${address.port}`;
  return address.role === undefined ? where : `${where} (${address.role})`;
}

export interface StackSummary {
  services: readonly StartedService[];
  readyInMs: number;
  confDir: string;
  dataDir: string;
  /** `embedded` or the tracker list of PIC_TRACKER_SERVER / cluster_0. */
  fastdfs: string;
  stackPid: number;
}

/**
 * The table `npm start` prints once every service listens: what listens where, for a person at a
 * terminal (the same facts are in the `stack ready` log line for machines).
 */
export function startupTable(summary: StackSummary): string {
  const rows = summary.services.map((s) => [
    s.name,
    s.pid === undefined ? '-' : String(s.pid),
    s.listens.map((a) => shown(a, s.http === true)).join(', ') || '-',
  ]);
  const header = ['service', 'pid', 'listens on'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ')}`;
  return [
    `pic-storage ready in ${(summary.readyInMs / 1000).toFixed(1)} s`,
    `  conf in ${summary.confDir}/, data in ${summary.dataDir}/, FastDFS: ${summary.fastdfs}`,
    line(header),
    ...rows.map(line),
    `Stop with Ctrl-C, or SIGTERM to pid ${summary.stackPid}.`,
    '',
  ].join('\n');
}
