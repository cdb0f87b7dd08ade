import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Address } from 'fastdfs-protocol';
import { resolveEmbeddedOptions, type EmbeddedFdfsOptions, type ResolvedEmbeddedOptions } from './options.js';
import type { CommandTable } from './server/handler.js';
import { serveConnection } from './server/request-loop.js';
import { StorageState } from './state.js';
import { STORAGE_COMMANDS } from './storage/dispatch.js';
import type { StorageNode } from './storage-node.js';
import { Store } from './store.js';
import { TRACKER_COMMANDS } from './tracker/dispatch.js';

/** Name of the state file under `<base>/data/`. */
export const STATE_FILE = '.embedded-state.json';

/**
 * A single-node FastDFS cluster in this process: one tracker and one storage (group of one,
 * store path 0) on two TCP ports, speaking the FastDFS 6.16 wire protocol, so the C tools and
 * any FastDFS client work against it. Everything that matters is on disk under `basePath`.
 */
export class EmbeddedFdfs {
  readonly options: ResolvedEmbeddedOptions;
  private readonly store: Store;
  private readonly state: StorageState;
  private trackerServer: Server | null = null;
  private storageServer: Server | null = null;
  private tracker: Address | null = null;
  private storage: Address | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly running = new Set<Promise<void>>();

  constructor(opts: EmbeddedFdfsOptions) {
    this.options = resolveEmbeddedOptions(opts);
    this.store = new Store(this.options.basePath, this.options.groupName);
    this.state = new StorageState(
      join(this.store.dataDir, STATE_FILE),
      this.options.subdirCountPerPath,
      this.options.fileDistributeRotateCount,
      this.options.logger,
    );
  }

  get trackerAddress(): Address {
    if (this.tracker === null) throw new Error('EmbeddedFdfs is not started');
    return { ...this.tracker };
  }

  get storageAddress(): Address {
    if (this.storage === null) throw new Error('EmbeddedFdfs is not started');
    return { ...this.storage };
  }

  /** The data directory (`<basePath>/data`). */
  get dataDir(): string {
    return this.store.dataDir;
  }

  async start(): Promise<void> {
    if (this.trackerServer !== null) throw new Error('EmbeddedFdfs is already started');
    const o = this.options;
    await this.store.init();
    await this.state.load();
    const upTime = Math.floor(Date.now() / 1000);
    const self = { storagePort: 0 };
    const node: StorageNode = {
      options: o,
      store: this.store,
      state: this.state,
      upTime,
      get storagePort() {
        return self.storagePort;
      },
    };
    const storage = this.serve('storage', STORAGE_COMMANDS, node);
    const tracker = this.serve('tracker', TRACKER_COMMANDS, node);
    try {
      self.storagePort = await listen(storage, o.storagePort, o.bindHost);
      this.storageServer = storage;
      this.trackerServer = tracker;
      const trackerPort = await listen(tracker, o.trackerPort, o.bindHost);
      this.storage = { host: o.bindHost, port: self.storagePort };
      this.tracker = { host: o.bindHost, port: trackerPort };
    } catch (err) {
      await this.stop();
      throw err;
    }
    o.logger.info(
      { tracker: this.tracker, storage: this.storage, group: o.groupName, basePath: o.basePath, sourceIp: o.sourceIp },
      'embedded FastDFS started',
    );
  }

  /** Stops listening, closes every connection, and saves the state file. */
  async stop(): Promise<void> {
    const servers = [this.trackerServer, this.storageServer].filter((s): s is Server => s !== null);
    this.trackerServer = null;
    this.storageServer = null;
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closed);
    await Promise.allSettled([...this.running]);
    await this.state.flush();
    if (this.tracker !== null) {
      this.options.logger.info({ tracker: this.tracker, storage: this.storage }, 'embedded FastDFS stopped');
    }
    this.tracker = null;
    this.storage = null;
  }

  /** A listener whose connections run the request loop with `role`'s command table. */
  private serve(role: 'tracker' | 'storage', commands: CommandTable, node: StorageNode): Server {
    const { logger, networkTimeoutMs, idleTimeoutMs, maxConnections } = this.options;
    const counters = this.state.counters;
    const server = createServer((socket) => {
      this.sockets.add(socket);
      if (role === 'storage') {
        counters.connectionAllocCount += 1;
        counters.connectionCurrentCount += 1;
        counters.connectionMaxCount = Math.max(counters.connectionMaxCount, counters.connectionCurrentCount);
      }
      const run = serveConnection(socket, { role, commands, node, networkTimeoutMs, idleTimeoutMs, logger });
      this.running.add(run);
      socket.once('close', () => {
        this.sockets.delete(socket);
        if (role === 'storage') counters.connectionCurrentCount -= 1;
      });
      void run.finally(() => this.running.delete(run));
    });
    server.maxConnections = maxConnections;
    server.on('error', (err) => logger.error({ role, err }, 'listener error'));
    return server;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
