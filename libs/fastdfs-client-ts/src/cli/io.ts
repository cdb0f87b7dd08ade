/** What the CLI reads and writes, so that tests can run it in-process with their own streams and clock. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  /** A progress line is drawn only when `isTTY` is true. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  /** Relative paths (local files, --conf, ./conf/client.conf) are taken from here. */
  cwd: string;
  /** Where SIGINT and SIGTERM come from; default `process`. */
  signals?: SignalSource;
  /** Milliseconds, for the progress line's rate; default `Date.now`. */
  now?: () => number;
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface SignalSource {
  on(event: StopSignal, listener: () => void): unknown;
  off(event: StopSignal, listener: () => void): unknown;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signals: process };
}
