import type { FdfsClient } from 'fastdfs-client-ts';
import { StorageStatus, storageStatusName } from 'fastdfs-protocol';

export interface ClusterState {
  hostid: number;
  state: 'up' | 'down' | 'degraded';
  trackers: { address: string; state: 'up' | 'down' }[];
  groups: { name: string; storages: StorageState[] }[];
  /** Why the cluster could not be listed. */
  error?: string;
}

/** One storage as its tracker lists it. */
export interface StorageState {
  id: string;
  /** ip:port */
  address: string;
  /** ACTIVE, OFFLINE, WAIT_SYNC... (storageStatusName) */
  status: string;
  /** Disk space of its store paths, MB, as the storage last reported it to the tracker. */
  free_mb: number;
  total_mb: number;
}

export interface FastdfsState {
  /** up: every cluster listed, every group has an ACTIVE storage; down: no cluster could be listed. */
  state: 'up' | 'down' | 'degraded' | 'unknown';
  checkedAt: string | undefined;
  clusters: ClusterState[];
}

/**
 * What the front knows of its FastDFS clusters, for /status, /metrics and `monit cache`: each
 * cluster's groups and storages as its trackers list them, refreshed every `intervalMs` in the
 * background (each listing bounded by the client's own network timeout), never on a request.
 */
export class FastdfsWatch {
  private current: FastdfsState = { state: 'unknown', checkedAt: undefined, clusters: [] };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly clusters: readonly { hostid: number; client: FdfsClient }[],
    private readonly intervalMs: number,
  ) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  get state(): FastdfsState {
    return this.current;
  }

  /** One listing of every cluster; a listing still running is not started twice. */
  refresh(): Promise<void> {
    this.running ??= this.list().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async list(): Promise<void> {
    const clusters = await Promise.all(this.clusters.map(({ hostid, client }) => listCluster(hostid, client)));
    const up = clusters.filter((c) => c.state === 'up').length;
    this.current = {
      state: up === clusters.length ? 'up' : clusters.every((c) => c.state === 'down') ? 'down' : 'degraded',
      checkedAt: new Date().toISOString(),
      clusters,
    };
  }
}

async function listCluster(hostid: number, client: FdfsClient): Promise<ClusterState> {
  const trackers = () => client.status().trackers.map((t) => ({ address: t.address, state: t.state }));
  try {
    const groups = await Promise.all(
      (await client.listGroups()).map(async (group) => ({
        name: group.group,
        storages: (await client.listStorages(group.group)).map((s) => ({
          id: s.id,
          address: `${s.ip}:${s.storagePort}`,
          status: storageStatusName(s.status),
          free_mb: s.freeMb,
          total_mb: s.totalMb,
        })),
      })),
    );
    const serving = groups.every((g) => g.storages.some((s) => s.status === storageStatusName(StorageStatus.ACTIVE)));
    return { hostid, state: serving && groups.length > 0 ? 'up' : 'degraded', trackers: trackers(), groups };
  } catch (err) {
    return { hostid, state: 'down', trackers: trackers(), groups: [], error: (err as Error).message };
  }
}
