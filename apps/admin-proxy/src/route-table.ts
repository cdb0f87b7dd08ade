import { Backend, parseBackendAddress, type BackendOptions } from './backend.js';
import { BackendPool } from './backend-pool.js';
import type { Route } from './proxy-options.js';

/** Where a cmd goes: its backends and how long they may take. */
export interface RouteEntry {
  readonly cmd: number;
  readonly pool: BackendPool;
  readonly timeoutMs: number;
}

/**
 * cmd → backends. A backend address named by several routes (4001-4003 all on 127.0.0.1:9040) is
 * one Backend: one set of connections, one in-flight count, one health.
 */
export class RouteTable {
  private readonly entries = new Map<number, RouteEntry>();
  private readonly backends = new Map<string, Backend>();

  constructor(routes: readonly Route[], backendOptions: BackendOptions) {
    for (const route of routes) {
      const pool = route.backends.map((address) => {
        let backend = this.backends.get(address);
        if (backend === undefined) {
          backend = new Backend(parseBackendAddress(address), backendOptions);
          this.backends.set(address, backend);
        }
        return backend;
      });
      this.entries.set(route.cmd, { cmd: route.cmd, pool: new BackendPool(pool), timeoutMs: route.timeoutMs });
    }
  }

  get(cmd: number): RouteEntry | undefined {
    return this.entries.get(cmd);
  }

  /** Closes every backend connection; requests still waiting fail (reason 'closed'). */
  async close(): Promise<void> {
    await Promise.all([...this.backends.values()].map((backend) => backend.close()));
  }
}
