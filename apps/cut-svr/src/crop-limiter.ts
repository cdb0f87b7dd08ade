import { ResultCode, ResultError } from '@pic-storage/frame-protocol';

export interface CropLimiterOptions {
  /** Image jobs run at once (each on a libuv worker thread, its pixels in libvips threads). */
  concurrency: number;
  /** Crops admitted beyond those running: they fetch their source, then wait for an image slot. */
  maxQueued: number;
}

/**
 * Bounds cut_svr's work in two ways. Admission: at most concurrency + maxQueued crops are in the
 * service at once (each holds a source and a result in memory); one more is refused at once with
 * BACKEND_UNAVAILABLE, which admin_proxy and callers treat as "busy, try another instance or
 * later". Image slots: at most `concurrency` admitted crops decode and encode at once, the others
 * wait their turn in arrival order. Fetching and storing need no slot, so network waits do not
 * hold the CPU back.
 */
export class CropLimiter {
  private admittedCount = 0;
  private runningCount = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly options: CropLimiterOptions) {
    for (const key of ['concurrency', 'maxQueued'] as const) {
      const value = options[key];
      if (!Number.isSafeInteger(value) || value < (key === 'concurrency' ? 1 : 0)) {
        throw new RangeError(`${key} must be an integer of at least ${key === 'concurrency' ? 1 : 0}, got ${value}`);
      }
    }
  }

  /** Crops in the service (running, waiting for a slot, fetching or storing). */
  get admitted(): number {
    return this.admittedCount;
  }

  /** Image jobs running now. */
  get running(): number {
    return this.runningCount;
  }

  /** Admitted crops waiting for an image slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** A place in the service, or BACKEND_UNAVAILABLE when it is full. Release it when done. */
  admit(): CropTicket {
    const capacity = this.options.concurrency + this.options.maxQueued;
    if (this.admittedCount >= capacity) {
      throw new ResultError(
        ResultCode.BACKEND_UNAVAILABLE,
        `cut_svr is busy: ${this.admittedCount} crops in progress (crop_concurrency + max_queued_crops = ${capacity})`,
      );
    }
    this.admittedCount++;
    return new CropTicket(this);
  }

  /** @internal */
  leave(): void {
    this.admittedCount--;
  }

  /**
   * @internal Resolves when an image slot is this caller's. A caller whose signal aborted while it
   * waited gives the slot on at its turn and rejects: no listener per waiter on a connection's
   * signal (a connection may have dozens of crops waiting), and the line keeps its order.
   */
  async acquireSlot(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.runningCount < this.options.concurrency) {
      this.runningCount++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (signal?.aborted === true) {
      this.releaseSlot();
      signal.throwIfAborted();
    }
  }

  /** @internal The slot passes to the first waiter, if any (runningCount is unchanged then). */
  releaseSlot(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.runningCount--;
    else next();
  }
}

/** One admitted crop: runs its image job in a slot, then releases its place. */
export class CropTicket {
  private released = false;

  constructor(private readonly limiter: CropLimiter) {}

  /** Waits for an image slot (in arrival order), runs `work` in it. Rejects if `signal` aborts first. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.limiter.acquireSlot(signal);
    try {
      return await work();
    } finally {
      this.limiter.releaseSlot();
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.limiter.leave();
  }
}
