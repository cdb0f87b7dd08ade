import type { Address } from 'fastdfs-protocol';
import type { FdfsClient } from '../client.js';
import type { CliIo } from './io.js';
import type { ProgressLine } from './progress.js';

/** The options that belong to one command or another; the global ones are in args.ts. */
export type CommandFlag = 'group' | 'ext' | 'appender' | 'merge';

export interface Flags {
  group?: string;
  ext?: string;
  appender?: boolean;
  merge?: boolean;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly flags: Flags;
  /** --json: print one JSON document on stdout instead of text. */
  readonly json: boolean;
  /** Set by Ctrl-C / SIGTERM; long transfers stop on it. */
  readonly signal: AbortSignal;
  /** The client, connected on first use. */
  client(): FdfsClient;
  /** One line of text on stdout (nothing once the reader has closed it). */
  out(line: string): void;
  /** The command's JSON document on stdout. */
  printJson(doc: unknown): void;
  /** One line on stderr, prefixed `fdfs: `. */
  warn(line: string): void;
  /** A progress line for a transfer of `total` bytes, when stderr is a terminal and it is large. */
  progress(label: string, total: number): ProgressLine | undefined;
  /** Removed by main() if the command fails or is interrupted before it renames them. */
  readonly tempFiles: Set<string>;
  /**
   * The storage the command is about to talk to, set before each storage request, so that a
   * reply that is not FastDFS can be blamed on the right server (see not-fastdfs.ts).
   */
  storageOf?: (client: FdfsClient) => Promise<Address | undefined>;
}

export interface CommandSpec {
  /** As typed: `upload`, `meta get`. */
  readonly name: string;
  /** The arguments after the name, for usage lines: `<file> [--group G]`. */
  readonly synopsis: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The rest of `fdfs help <command>`: what it prints, with and without --json. */
  readonly details: string;
  readonly flags: readonly CommandFlag[];
  /** How many positional arguments it takes. */
  readonly args: { readonly min: number; readonly max: number };
  /** Runs the command; resolves to the exit status. */
  run(ctx: CommandContext, args: string[]): Promise<number>;
}
