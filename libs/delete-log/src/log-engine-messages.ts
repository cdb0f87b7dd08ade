import type { CommitResult, DeleteLogStats, EngineAppend, LogEngineOptions } from './log-engine.js';

/** The engine's thread's workerData: its options, and the counts to go on from. */
export interface EngineStart {
  options: LogEngineOptions;
  stats: DeleteLogStats;
}

/** What a DeleteLogWriter sends its engine's thread. */
export type ToEngine = { type: 'append'; append: EngineAppend } | { type: 'close' };

/** What the engine's thread answers. */
export type FromEngine =
  | { type: 'opened' }
  | { type: 'open-failed'; message: string }
  | ({ type: 'committed'; stats: DeleteLogStats } & CommitResult)
  | { type: 'closed'; stats: DeleteLogStats };
