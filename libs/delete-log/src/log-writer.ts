import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { formatEntries, type DeleteEntry } from './entry.js';
import { ZERO_STATS, type DeleteLogStats } from './log-engine.js';
import type { EngineStart, FromEngine, ToEngine } from './log-engine-messages.js';

export type { DeleteLogStats } from './log-engine.js';

export interface DeleteLogWriterOptions {
  /** The log: `<base_path>/log/delete.log`. Its folder is created when missing. */
  path: string;
  /**
   * fdatasync(2) before acknowledging. Default true; false only for benchmarks and tests
   * (conf `fsync = false`): an acknowledged entry may then be lost in a crash.
   */
  sync?: boolean;
  /** The most bytes one group write holds; what is queued beyond it goes in the next group. Default 4 MiB. */
  maxGroupBytes?: number;
  /**
   * Bytes of appends not yet settled (queued, written, or being synced); an append past it fails
   * with DeleteLogFullError. Bounds the memory a stalled disk can make the server hold. Default 64 MiB.
   */
  maxQueuedBytes?: number;
}

export const DELETE_LOG_WRITER_DEFAULTS = Object.freeze({
  sync: true,
  maxGroupBytes: 4 * 1024 * 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
});

/** The appends not yet settled already hold maxQueuedBytes. */
export class DeleteLogFullError extends Error {
  override readonly name = 'DeleteLogFullError';
}

interface Pending {
  readonly bytes: number;
  resolve(): void;
  reject(err: Error): void;
}

/*
 * The engine's thread runs compiled code: from dist/ this is dist/log-engine-worker.js itself, and
 * from src/ (the tests run the TypeScript sources) the build's copy next to it, since a worker
 * thread loads plain JavaScript. `npm test` builds first.
 */
const ENGINE_SCRIPT = new URL('../dist/log-engine-worker.js', import.meta.url);

/** A start of the engine's thread that failed (the log cannot be opened) is tried again after this long. */
const RESTART_INTERVAL_MS = 1_000;

/**
 * The writing side of the delete log, for one process; several processes may write the same log.
 * The writing itself (group commit, rotation, the checks an acknowledgement rests on) is the
 * LogEngine's (log-engine.ts), on a thread of its own: there a commit's write(2), fdatasync(2) and
 * stat(2) follow each other at once, while this thread serves the network. Through libuv's pool
 * each step was a round trip to the event loop, and under load each waited for a busy loop to
 * come round: the time an fdatasync took to be answered, not the disk, bounded the acks per
 * second (docs/services/del-svr.md).
 *
 * An append is sent to the engine at once; the engine commits every append that arrived while it
 * was busy in one write and one fdatasync (group commit). The promise settles with the commit.
 */
export class DeleteLogWriter {
  readonly path: string;
  private readonly options: Readonly<Required<Omit<DeleteLogWriterOptions, 'path'>>>;
  /** The engine's thread; undefined before open() and after that thread died, until the next append. */
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  /** The last start that failed, and when: appends within RESTART_INTERVAL_MS fail with it. */
  private startFailure: { error: Error; at: number } | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Bytes of appends accepted and not yet settled. */
  private unsettledBytes = 0;
  /** The engine's counters, as its last message gave them; a new engine goes on from them. */
  private counters: DeleteLogStats = ZERO_STATS;
  private opened = false;
  private closed = false;
  private whenClosed: Promise<void> | undefined;

  constructor(options: DeleteLogWriterOptions) {
    const resolved = { ...DELETE_LOG_WRITER_DEFAULTS, ...stripUndefined(options) };
    for (const key of ['maxGroupBytes', 'maxQueuedBytes'] as const) {
      if (!Number.isSafeInteger(resolved[key]) || resolved[key] <= 0) {
        throw new RangeError(`${key} must be a positive integer, got ${String(resolved[key])}`);
      }
    }
    this.path = options.path;
    this.options = Object.freeze({
      sync: resolved.sync,
      maxGroupBytes: resolved.maxGroupBytes,
      maxQueuedBytes: resolved.maxQueuedBytes,
    });
  }

  /** Creates the folder and opens (or creates) the log: a start fails here, not on the first request. */
  async open(): Promise<void> {
    await this.startWorker();
    this.opened = true;
  }

  get stats(): DeleteLogStats {
    return { ...this.counters };
  }

  /** Resolves once the entries are in the log and synced; rejects when they may not be. */
  append(entries: readonly DeleteEntry[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`delete log ${this.path} is closed`));
    if (!this.opened) return Promise.reject(new Error(`delete log ${this.path} is not open`));
    const worker = this.worker;
    if (worker === undefined) return this.restart().then(() => this.append(entries));
    if (entries.length === 0) return Promise.resolve();
    const text = formatEntries(entries);
    const bytes = Buffer.byteLength(text);
    const { maxQueuedBytes } = this.options;
    if (this.unsettledBytes + bytes > maxQueuedBytes) {
      const waiting = `${this.unsettledBytes} bytes already wait to be written and synced to ${this.path}`;
      return Promise.reject(new DeleteLogFullError(`${waiting} (maxQueuedBytes ${maxQueuedBytes})`));
    }
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref(); // an append waiting keeps the process alive
      this.pending.set(id, { bytes, resolve, reject });
      this.unsettledBytes += bytes;
      const message: ToEngine = { type: 'append', append: { id, text, bytes, entries: entries.length } };
      worker.postMessage(message);
    });
  }

  /** Settles what is queued, then closes the log; appends after close() fail. */
  close(): Promise<void> {
    this.closed = true;
    this.whenClosed ??= this.shutDown();
    return this.whenClosed;
  }

  private async shutDown(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const worker = this.worker;
    if (worker === undefined) return;
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const message: ToEngine = { type: 'close' };
    worker.postMessage(message);
    await exited;
  }

  /** A new thread for the engine after the last one died; a start that failed is not tried again for a while. */
  private restart(): Promise<Worker> {
    const failure = this.startFailure;
    if (failure !== undefined && performance.now() - failure.at < RESTART_INTERVAL_MS)
      return Promise.reject(failure.error);
    this.starting ??= this.startWorker().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startWorker(): Promise<Worker> {
    const start: EngineStart = {
      options: { path: this.path, sync: this.options.sync, maxGroupBytes: this.options.maxGroupBytes },
      stats: this.counters,
    };
    const worker = new Worker(ENGINE_SCRIPT, { workerData: start });
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        worker.once('error', onError);
        worker.once('message', (message: FromEngine) => {
          worker.off('error', onError);
          if (message.type === 'opened') resolve();
          else reject(new Error(message.type === 'open-failed' ? message.message : `engine said ${message.type}`));
        });
      });
    } catch (err) {
      await worker.terminate();
      this.startFailure = { error: err as Error, at: performance.now() };
      throw err;
    }
    this.startFailure = undefined;
    worker.on('message', (message: FromEngine) => this.onMessage(message));
    worker.on('error', () => {}); // 'exit' follows, and says what is lost
    // Node delivers a worker's last messages before its 'exit': after a close, nothing is pending here.
    worker.on('exit', (code) => this.onExit(worker, code));
    worker.unref(); // held only while appends wait
    this.worker = worker;
    return worker;
  }

  private onMessage(message: FromEngine): void {
    if (message.type === 'committed') {
      this.counters = message.stats;
      for (const id of message.acked) this.settle(id)?.resolve();
      for (const { ids, message: why } of message.failed) {
        for (const id of ids) this.settle(id)?.reject(new Error(why));
      }
    } else if (message.type === 'closed') {
      this.counters = message.stats;
    }
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (pending === undefined) return undefined;
    this.pending.delete(id);
    this.unsettledBytes -= pending.bytes;
    if (this.pending.size === 0 && !this.closed) this.worker?.unref();
    return pending;
  }

  /**
   * The engine's thread ended. After close() nothing waits. Otherwise it died (a bug, memory):
   * what it had not answered fails (not acknowledged: the clients send it again), and the next
   * append starts a new thread, which opens the log again.
   */
  private onExit(worker: Worker, code: number): void {
    if (this.worker === worker) this.worker = undefined;
    const err = new Error(`the writer thread of ${this.path} exited with ${code} before answering`);
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(err);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
