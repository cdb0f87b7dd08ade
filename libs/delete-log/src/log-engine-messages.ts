import type { CommitResult, DeleteLogStats, EngineAppend } from './log-engine.js';

/** What a DeleteLogWriter sends its engine's thread. */
export type ToEngine = { type: 'append'; append: EngineAppend } | { type: 'close' };

/** What the engine's thread answers. */
export type FromEngine =
  | { type: 'opened' }
  | { type: 'open-failed'; message: string }
  | ({ type: 'committed'; stats: DeleteLogStats } & CommitResult)
  | { type: 'closed'; stats: DeleteLogStats };
