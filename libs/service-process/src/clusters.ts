import { FdfsClient, type FdfsClientOptions } from 'fastdfs-client-ts';
import { ConfigError } from 'fastdfs-protocol';
import type { ConfReader } from 'fastdfs-conf';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';

/**
 * hostid → FastDFS cluster. A hostid (in the upload response and in cmds 3005/3002/3030) names a
 * storage cluster; conf lines `cluster_<hostid> = host:port[,host:port...]` give each cluster's
 * trackers. PIC_TRACKER_SERVER, when set, is cluster 0's tracker list; with neither, cluster 0 is
 * the embedded FastDFS on 127.0.0.1:22122.
 */
export const DEFAULT_TRACKER = '127.0.0.1:22122';
const CLUSTER_KEY = /^cluster_(\d{1,9})$/;

export type ClusterMap = ReadonlyMap<number, readonly string[]>;

/** The conf keys `readClusters` reads, for a service's checkKeys. */
export function isClusterKey(key: string): boolean {
  return CLUSTER_KEY.test(key);
}

export function readClusters(conf: ConfReader, env: NodeJS.ProcessEnv = process.env): ClusterMap {
  const clusters = new Map<number, string[]>();
  for (const key of conf.keys()) {
    const m = CLUSTER_KEY.exec(key);
    if (m === null) continue;
    const list = splitTrackers(conf.string(key) ?? '');
    if (list.length === 0) throw conf.error(key, 'must list at least one tracker as host:port');
    const bad = list.find(notHostPort);
    if (bad !== undefined) throw conf.error(key, `has ${JSON.stringify(bad)}, not host:port`);
    clusters.set(Number(m[1]), list);
  }
  const fromEnv = env.PIC_TRACKER_SERVER;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const list = splitTrackers(fromEnv);
    const bad = list.find(notHostPort);
    if (bad !== undefined) throw new ConfigError(`PIC_TRACKER_SERVER has ${JSON.stringify(bad)}, not host:port`);
    clusters.set(0, list);
  }
  if (!clusters.has(0)) clusters.set(0, [DEFAULT_TRACKER]);
  return clusters;
}

/** A tracker is `host:port` with a port of 1-65535 (FastDFS tracker lists carry no IPv6 brackets). */
function notHostPort(tracker: string): boolean {
  const m = /^[^\s:]+:(\d{1,5})$/.exec(tracker);
  return m === null || Number(m[1]) < 1 || Number(m[1]) > 65535;
}

function splitTrackers(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** One FdfsClient per cluster, made on first use and closed together. */
export class ClusterClients {
  private readonly clients = new Map<number, FdfsClient>();

  constructor(
    private readonly clusters: ClusterMap,
    private readonly clientOptions: Omit<FdfsClientOptions, 'trackers'> = {},
  ) {}

  /** The client of `hostid`; an unknown hostid is BAD_ARGUMENT. */
  client(hostid: number): FdfsClient {
    let client = this.clients.get(hostid);
    if (client !== undefined) return client;
    const trackers = this.clusters.get(hostid);
    if (trackers === undefined) throw new ResultError(ResultCode.BAD_ARGUMENT, `no cluster with hostid ${hostid}`);
    client = new FdfsClient({ ...this.clientOptions, trackers: [...trackers] });
    this.clients.set(hostid, client);
    return client;
  }

  get hostids(): number[] {
    return [...this.clusters.keys()];
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((client) => client.close()));
  }
}
