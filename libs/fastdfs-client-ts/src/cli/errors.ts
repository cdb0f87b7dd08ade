import type { StopSignal } from './io.js';

/** Exit statuses: 0 done, 1 failed, 2 bad usage; 128 + signal number as a shell reports a signal. */
export const Exit = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  /** stdout was closed by its reader (`fdfs download id - | head -c 10`): 128 + SIGPIPE. */
  BROKEN_PIPE: 141,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

/** A command line that cannot be run as written; `command` names the command whose usage to show. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command was stopped by Ctrl-C or SIGTERM. */
export class InterruptedError extends Error {
  constructor(readonly signal: StopSignal) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

export function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}
