import { parseArgs } from 'node:util';
import { MAX_PIC_COUNT } from '@pic-storage/frame-protocol';
import { parseHostPort } from '@pic-storage/service-process';
import { MAX_TIMEOUT_S } from './conf.js';

/** A command line that cannot be run as written: exit 2 with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type CommandLine =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run';
      logPath: string;
      host: string;
      port: number;
      /** Given on the command line; undefined: the conf's (or default) value. */
      batchSize: number | undefined;
      timeoutS: number | undefined;
      json: boolean;
    };

const OPTIONS = {
  batch: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** `del_file_ontime [options] <delete.log> <host:port>`; anything else is a UsageError. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // node's messages run on with advice about '--'; the first sentence says what is wrong.
    throw new UsageError((err as Error).message.split('. ')[0] ?? 'bad option');
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  if (positionals.length !== 2) {
    throw new UsageError(`expected <delete.log> <host:port>, got ${positionals.length} argument(s)`);
  }
  const [logPath, address] = positionals as [string, string];
  if (logPath === '') throw new UsageError('the delete log path is empty');
  return {
    kind: 'run',
    logPath,
    ...parseAddress(address),
    batchSize: values.batch === undefined ? undefined : integerFlag('--batch', values.batch, 1, MAX_PIC_COUNT),
    timeoutS: values.timeout === undefined ? undefined : integerFlag('--timeout', values.timeout, 1, MAX_TIMEOUT_S),
    json: values.json === true,
  };
}

/** `host:port` or `[v6 address]:port`, as the old tool took `10.1.1.197:6998`. */
export function parseAddress(text: string): { host: string; port: number } {
  const address = parseHostPort(text);
  if (address === undefined) {
    throw new UsageError(`${JSON.stringify(text)} is not host:port (the admin_proxy address, e.g. 127.0.0.1:6998)`);
  }
  return address;
}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
