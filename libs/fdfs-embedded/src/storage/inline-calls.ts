import { openSync, readSync, type Stats, statSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type CallPicker, type FileCalls, POOLED_CALLS } from './fd-io.js';

/** An inline call slower than this may have waited for the disk (a page-cache hit takes microseconds). */
export const SLOW_INLINE_MS = 1;
/**
 * Time that slow inline calls may take from the event loop: it refills at this many ms per second,
 * and once slow calls have taken more, calls go through the thread pool for POOLED_FOR_MS.
 */
export const SLOW_BUDGET_MS = 10;
/** How long calls go through the thread pool once the budget is spent, before inline is tried again. */
export const POOLED_FOR_MS = 1000;

/**
 * Small reads and writes made inline, with sync calls on the event loop, while the page cache
 * serves them: a page-cache read or write of a few KiB costs a few microseconds, while a round
 * trip through libuv's thread pool costs more than that in CPU and more again in latency (see
 * fd-io.ts). A read the cache misses, or a write the kernel throttles (dirty pages over the
 * limit), blocks the loop for as long as the disk takes, so every call is timed, and those over
 * SLOW_INLINE_MS are charged to a budget of SLOW_BUDGET_MS per second: one long stall, or a few
 * slow calls in a row (a cold data set on a spinning disk, a disk that cannot keep up with the
 * writes), spend it and send the calls to the thread pool for POOLED_FOR_MS. A loaded machine that
 * preempts the process in a call now and then (a few times a second) does not. So a slow disk
 * costs the loop about SLOW_BUDGET_MS per POOLED_FOR_MS, plus the one call that spent the budget.
 * Reads and writes have one instance each: a cold read does not stop inline writes, nor the reverse.
 */
export class InlineCalls implements FileCalls, CallPicker {
  private pooledUntil = Number.NEGATIVE_INFINITY;
  /** Slow time charged and not yet refilled, as of `chargedAt`. */
  private charged = 0;
  private chargedAt = 0;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** The calls for the next operation: these inline ones, or the thread pool's while the budget is spent. */
  pick(): FileCalls {
    return this.pooled ? POOLED_CALLS : this;
  }

  /** Whether calls go through the thread pool right now. */
  get pooled(): boolean {
    return this.clock() < this.pooledUntil;
  }

  open(path: string, flags: number | string): number {
    const start = this.clock();
    try {
      return openSync(path, flags);
    } finally {
      this.record(this.clock() - start);
    }
  }

  stat(path: string): Stats {
    const start = this.clock();
    try {
      return statSync(path);
    } finally {
      this.record(this.clock() - start);
    }
  }

  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    const start = this.clock();
    try {
      return readSync(fd, buf, offset, length, position);
    } finally {
      this.record(this.clock() - start);
    }
  }

  write(fd: number, data: Uint8Array, offset: number, length: number, position: number): number {
    const start = this.clock();
    try {
      return writeSync(fd, data, offset, length, position);
    } finally {
      this.record(this.clock() - start);
    }
  }

  /** Accounts for an inline call that took `took` ms and just ended. */
  record(took: number): void {
    if (took <= SLOW_INLINE_MS) return;
    const now = this.clock();
    const refilled = ((now - this.chargedAt) * SLOW_BUDGET_MS) / 1000;
    this.charged = Math.max(0, this.charged - refilled) + took;
    this.chargedAt = now;
    if (this.charged > SLOW_BUDGET_MS) {
      this.pooledUntil = now + POOLED_FOR_MS;
      this.charged = 0;
    }
  }
}
