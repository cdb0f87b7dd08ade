import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { quickAck, quickAckAvailable, quickAckUnavailableReason } from '@pic-storage/tcp-quickack';
import type { Address } from 'fastdfs-protocol';
import { resolveEmbeddedOptions, type EmbeddedFdfsOptions, type ResolvedEmbeddedOptions } from './options.js';
import { ConnectionTable, type ConnectionStats } from './server/connection-table.js';
import type { CommandTable } from './server/handler.js';
import { serveConnection } from './server/request-loop.js';
import { StorageState } from './state.js';
import { STORAGE_COMMANDS } from './storage/dispatch.js';
import type { StorageNode } from './storage-node.js';
import { Store } from './store.js';
import { StoreLock } from './store-lock.js';
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
  private readonly storeLock: StoreLock;
  private trackerServer: Server | null = null;
  private storageServer: Server | null = null;
  private tracker: Address | null = null;
  private storage: Address | null = null;
  private readonly running = new Set<Promise<void>>();
  private readonly connections = new Map<'tracker' | 'storage', ConnectionTable>();

  constructor(opts: EmbeddedFdfsOptions) {
    this.options = resolveEmbeddedOptions(opts);
    this.store = new Store(this.options.basePath, this.options.groupName);
    this.storeLock = new StoreLock(this.store.dataDir, this.options.basePath);
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

  /** Every live connection of both listeners, with what the process holds for it. */
  connectionStats(): ConnectionStats[] {
    return [...this.connections.values()].flatMap((table) => table.stats());
  }

  async start(): Promise<void> {
    if (this.trackerServer !== null) throw new Error('EmbeddedFdfs is already started');
    const o = this.options;
    // The lock comes first: a second instance must not even empty the running one's .tmp.
    const { staleFrom } = await this.storeLock.acquire();
    if (staleFrom !== undefined) {
      o.logger.warn({ lock: this.storeLock.path, pid: staleFrom }, 'took over a stale store lock');
    }
    try {
      await this.store.init();
      await this.state.load();
    } catch (err) {
      await this.storeLock.release();
      throw err;
    }
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
      {
        tracker: this.tracker,
        storage: this.storage,
        group: o.groupName,
        basePath: o.basePath,
        sourceIp: o.sourceIp,
        // Without it, clients that send a request in two writes wait out the delayed ACK (~40 ms).
        quickAck: quickAckAvailable ? 'on' : quickAckUnavailableReason,
      },
      'embedded FastDFS started',
    );
  }

  /** Stops listening, closes every connection, saves the state file and releases the store lock. */
  async stop(): Promise<void> {
    const servers = [this.trackerServer, this.storageServer].filter((s): s is Server => s !== null);
    this.trackerServer = null;
    this.storageServer = null;
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const table of this.connections.values()) table.closeAll();
    await Promise.all(closed);
    await Promise.allSettled([...this.running]);
    // Only the instance holding the store writes to it (a refused second instance must not).
    if (this.storeLock.held) {
      await this.state.flush();
      await this.storeLock.release();
    }
    if (this.tracker !== null) {
      this.options.logger.info({ tracker: this.tracker, storage: this.storage }, 'embedded FastDFS stopped');
    }
    this.tracker = null;
    this.storage = null;
  }

  /** A listener whose connections run the request loop with `role`'s command table. */
  private serve(role: 'tracker' | 'storage', commands: CommandTable, node: StorageNode): Server {
    const { logger, networkTimeoutMs, idleTimeoutMs, maxConnections } = this.options;
    const { maxConnectionsPerAddress, pressureIdleTimeoutMs } = this.options;
    const counters = this.state.counters;
    const limits = { maxConnections, maxConnectionsPerAddress, pressureIdleTimeoutMs };
    const table = new ConnectionTable(role, limits, logger);
    this.connections.set(role, table);
    const server = createServer((socket) => {
      // An address over its share is closed before it counts anywhere.
      const tracked = table.admit(socket);
      if (tracked === null) return;
      if (role === 'storage') {
        counters.connectionAllocCount += 1;
        counters.connectionCurrentCount += 1;
        counters.connectionMaxCount = Math.max(counters.connectionMaxCount, counters.connectionCurrentCount);
      }
      // A read that leaves a request incomplete is ACKed at once, or two-write clients under Nagle
      // wait 40 ms a request (libs/tcp-quickack).
      const config = {
        role,
        commands,
        node,
        networkTimeoutMs,
        idleTimeoutMs,
        logger,
        tracked,
        onPartialRead: quickAck,
      };
      const run = serveConnection(socket, config);
      this.running.add(run);
      if (role === 'storage') socket.once('close', () => (counters.connectionCurrentCount -= 1));
      void run.finally(() => this.running.delete(run));
    });
    table.attach(server);
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
