/** Where a monit run reads its environment and writes its output: the process, or a test's capture. */
export interface MonitIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** Relative --conf paths are taken from here. */
  cwd: string;
}

export function processIo(): MonitIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Exit statuses: what cron and monitoring systems act on. */
export const Exit = {
  OK: 0,
  /** The thing checked is unhealthy, or could not be reached. */
  FAIL: 1,
  /** A bad command line (EX_USAGE's customary 2, as the C tools exit). */
  USAGE: 2,
} as const;

/** A bad command line: reported with the usage of the subcommand it is about. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
