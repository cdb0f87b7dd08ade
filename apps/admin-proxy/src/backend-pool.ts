import { performance } from 'node:perf_hooks';
import type { Backend, BackendHealth } from './backend.js';

/**
 * Which backends a request may go to, best first: a live one (or a down one whose retry time has
 * come: that request is its probe), else one being probed (join the probe rather than refuse).
 * A backend down and not yet due is never tried.
 */
const RANK: Readonly<Record<BackendHealth | 'due', number>> = { up: 0, due: 0, probing: 1, down: Infinity };

/** What the pool reads of a backend. */
export interface PoolMember {
  health(now: number): BackendHealth | 'due';
  readonly inFlight: number;
}

/** The backends of one cmd: spreads requests over them and skips the dead. */
export class BackendPool<B extends PoolMember = Backend> {
  private cursor = 0;

  constructor(readonly backends: readonly B[]) {
    if (backends.length === 0) throw new RangeError('a backend pool needs at least one backend');
  }

  /**
   * The backend for the next request, not one of `tried`: the best rank, then the fewest requests
   * in flight, then round-robin (the scan starts after the last pick, so ties take turns).
   * Undefined when none may be tried.
   */
  pick(tried?: ReadonlySet<B>, now = performance.now()): B | undefined {
    const n = this.backends.length;
    let best: B | undefined;
    let bestIndex = 0;
    let bestRank = Infinity;
    for (let i = 0; i < n; i++) {
      const index = (this.cursor + i) % n;
      const backend = this.backends[index] as B;
      if (tried?.has(backend) === true) continue;
      const rank = RANK[backend.health(now)];
      if (rank === Infinity) continue;
      if (best === undefined || rank < bestRank || (rank === bestRank && backend.inFlight < best.inFlight)) {
        best = backend;
        bestIndex = index;
        bestRank = rank;
      }
    }
    if (best !== undefined) this.cursor = (bestIndex + 1) % n;
    return best;
  }
}
