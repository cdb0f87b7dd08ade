import type { MonitIo } from './io.js';

/** One `monit <name>` check. A new check is one more of these. */
export interface Subcommand {
  name: string;
  synopsis: string;
  /** One line for `monit --help`. */
  summary: string;
  /** `monit <name> --help`, after the usage line. */
  details: string;
  /** The exit status (io.ts Exit); a UsageError thrown is reported with this command's usage, exit 2. */
  run(argv: string[], io: MonitIo): Promise<number>;
}
