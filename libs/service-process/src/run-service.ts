import { pino, type Logger } from 'pino';
import { EX_CONFIG, EX_TEMPFAIL } from './exit-codes.js';
import { stopOnSignals } from './stop-on-signals.js';

export interface RunningService {
  /** Stops accepting, finishes accepted work, releases files and connections. */
  stop(): Promise<void>;
}

/** Thrown by a service's start for a resource held by another process (a lock): exit 75. */
export class ServiceBusyError extends Error {
  override readonly name = 'ServiceBusyError';
}

/**
 * The life of a service process: a pino logger named after it (LOG_LEVEL, default info), start,
 * then stop on SIGTERM / SIGINT (and when npm, its parent under `npm start`, goes away). A start
 * that fails on a bad conf (ConfigError: code FDFS_ERR_INVALID_CONFIG) prints one line and exits
 * 78; ServiceBusyError exits 75; anything else is logged with its stack, exit 1.
 */
export function runService(name: string, start: (logger: Logger) => Promise<RunningService>): void {
  const logger = pino({ name, level: process.env.LOG_LEVEL ?? 'info' });
  const running = start(logger);
  // The handlers go in before start settles: a supervisor may signal as soon as it sees the
  // service's `listening` line, and a signal must then stop the service, not kill it outright.
  stopOnSignals({
    stop: async () => (await running).stop(),
    logger,
    watchParent: process.env.npm_lifecycle_event === 'start' || process.env.PIC_STACK_CHILD === '1',
  });
  running.catch((err: unknown) => {
    if (err instanceof Error && (err as { code?: unknown }).code === 'FDFS_ERR_INVALID_CONFIG') {
      process.stderr.write(`${name}: cannot start: ${err.message}\n`);
      process.exit(EX_CONFIG);
    }
    if (err instanceof ServiceBusyError) {
      process.stderr.write(`${name}: cannot start: ${err.message}\n`);
      process.exit(EX_TEMPFAIL);
    }
    logger.fatal({ err }, 'cannot start');
    process.exit(1);
  });
}
