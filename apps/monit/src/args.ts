import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

/** Seconds every check waits by default (--timeout). */
export const DEFAULT_TIMEOUT_S = 5;

/** The options table of a check (node:util parseArgs's). */
export type CheckOptions = NonNullable<ParseArgsConfig['options']>;

/** A check's command line, strictly: an unknown option is a UsageError naming it. */
export function parseCheckArgs<O extends CheckOptions>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    // node:util's own words are long ("... place it at the end of the command after '--' ..."): the gist.
    const { code, message } = err as Error & { code?: string };
    const option = /'(-[^' ]+)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined)
      throw new UsageError(`unknown option ${option}`);
    throw new UsageError(message);
  }
}

/** --timeout in whole seconds (1-3600), as milliseconds; absent: DEFAULT_TIMEOUT_S. */
export function timeoutOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_S * 1000;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > 3600) {
    throw new UsageError(`--timeout ${JSON.stringify(text)} must be 1-3600 seconds`);
  }
  return Number(text) * 1000;
}
