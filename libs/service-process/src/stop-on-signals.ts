/**
 * How the process stops. SIGTERM (what a supervisor sends) and SIGINT (Ctrl-C) run `stop` once and
 * exit; repeats are ignored, because Ctrl-C reaches this process twice under `npm start` (from the
 * terminal, and forwarded by npm).
 *
 * `npm start` runs its script through `sh -c` and forwards SIGTERM/SIGINT only to that shell. dash
 * does not exec a lone command, so without the `exec` in the script the shell dies on SIGTERM and
 * node, never signalled, keeps the ports. The script execs node, so npm signals node itself; the
 * parent watch below covers what no signal reaches: npm killed with SIGKILL, or a script shell
 * that still stands between npm and node.
 */
import type { Logger } from 'pino';

/** Give up on a stuck stop before Docker's default 10 s grace period ends in SIGKILL. */
export const STOP_TIMEOUT_MS = 8_000;
/** How often the parent watch looks at the parent pid. */
export const PARENT_POLL_MS = 1_000;

export interface StopOnSignalsOptions {
  /** Stops the server: closes the listeners, settles the running requests, saves state. */
  stop: () => Promise<void>;
  logger: Pick<Logger, 'info' | 'error'>;
  /** Stop when the parent process goes away (this process is re-parented). Meant for `npm start`. */
  watchParent: boolean;
}

export function stopOnSignals({ stop, logger, watchParent }: StopOnSignalsOptions): void {
  let stopping = false;
  const stopAndExit = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error({ reason, timeoutMs: STOP_TIMEOUT_MS }, 'stop took too long, exiting');
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    deadline.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stopAndExit('SIGINT'));
  process.on('SIGTERM', () => stopAndExit('SIGTERM'));

  // process.ppid is read afresh on every access; it changes once the parent has exited.
  const parent = process.ppid;
  if (watchParent && parent > 1) {
    const poll = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(poll);
      stopAndExit('parent exited');
    }, PARENT_POLL_MS);
    poll.unref();
  }
}
