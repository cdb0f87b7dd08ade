import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DesKey } from '../des-key.js';
import { SessionKeyError } from '../errors.js';
import { checkSessionAge, checkSessionAgeOptions, SESSION_AGE_DEFAULTS, unixTime } from '../session-age.js';
import { decodeSessionKey, issueSessionKey } from '../session-key.js';
import { DECODE_HELP, DECODE_USAGE, GENERAL_HELP, ISSUE_HELP, ISSUE_USAGE } from './usage.js';

/** What the CLI reads and writes, so that tests can run it in-process with their own streams and clock. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** The Unix time in seconds; default the clock. */
  now?: () => number;
}

export const Exit = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** Where --key comes from when it is not given. */
export const DES_KEY_ENV = 'PIC_SESSION_DES_KEY';

/** A command line that cannot be run as written; `usage` is the line to show after the message. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

const ISSUE_OPTIONS = {
  key: { type: 'string' },
  uid: { type: 'string' },
  channel: { type: 'string' },
  albumid: { type: 'string' },
  ip: { type: 'string' },
  time: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  head: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DECODE_OPTIONS = {
  key: { type: 'string' },
  window: { type: 'string' },
  skew: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `session-key` and returns its exit status: 0 done, 1 bad key or DES key, 2 bad usage. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'issue':
        return issue(rest, io);
      case 'decode':
        return decode(rest, io);
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(`${GENERAL_HELP}\n`);
        return Exit.OK;
      case '--version':
        io.stdout.write(`session-key ${packageVersion()}\n`);
        return Exit.OK;
      case undefined:
        io.stderr.write(`${GENERAL_HELP}\n`);
        return Exit.USAGE;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`, 'usage: session-key issue|decode [options]');
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`session-key: ${err.message}\n${err.usage}\n`);
      return Exit.USAGE;
    }
    if (err instanceof SessionKeyError) {
      io.stderr.write(`session-key: ${err.message}\n`);
      return Exit.FAILED;
    }
    throw err;
  }
}

function issue(argv: string[], io: CliIo): number {
  const { values } = parse(argv, ISSUE_OPTIONS, 0, ISSUE_USAGE);
  if (values.help === true) {
    io.stdout.write(`${ISSUE_HELP}\n`);
    return Exit.OK;
  }
  const key = desKey(values.key, io, ISSUE_USAGE);
  if (values.uid === undefined) throw new UsageError('--uid is required', ISSUE_USAGE);
  const uint16 = (name: string, value: string | undefined): number | undefined =>
    value === undefined ? undefined : integer(name, value, 0xffff, ISSUE_USAGE);
  const time =
    values.time === undefined ? undefined : integer('time', values.time, Number.MAX_SAFE_INTEGER, ISSUE_USAGE);
  let hex: string;
  try {
    hex = issueSessionKey(
      {
        uid: integer('uid', values.uid, 0xffff, ISSUE_USAGE),
        channel: uint16('channel', values.channel),
        albumid: uint16('albumid', values.albumid),
        ip: values.ip,
        time: time === undefined ? undefined : time % 0x10000,
        widthLimit: uint16('width', values.width),
        heightLimit: uint16('height', values.height),
        isHead: values.head === true ? 1 : 0,
      },
      key,
      io.now?.() ?? unixTime(),
    );
  } catch (err) {
    // Only --ip is left for the struct to refuse; it is the command line's mistake.
    if (err instanceof SessionKeyError && err.code === 'BAD_FIELD') {
      throw new UsageError(err.message.replace(/^ip /, '--ip '), ISSUE_USAGE);
    }
    throw err;
  }
  io.stdout.write(`${hex}\n`);
  return Exit.OK;
}

function decode(argv: string[], io: CliIo): number {
  const { values, positionals } = parse(argv, DECODE_OPTIONS, 1, DECODE_USAGE);
  if (values.help === true) {
    io.stdout.write(`${DECODE_HELP}\n`);
    return Exit.OK;
  }
  const [hex] = positionals;
  if (hex === undefined) throw new UsageError('the session key (hex) is missing', DECODE_USAGE);
  const key = desKey(values.key, io, DECODE_USAGE);
  const options = {
    windowSeconds:
      values.window === undefined
        ? SESSION_AGE_DEFAULTS.windowSeconds
        : integer('window', values.window, 0xffff, DECODE_USAGE),
    skewSeconds:
      values.skew === undefined ? SESSION_AGE_DEFAULTS.skewSeconds : integer('skew', values.skew, 0xffff, DECODE_USAGE),
  };
  try {
    checkSessionAgeOptions(options);
  } catch (err) {
    throw new UsageError(
      (err as Error).message.replace('windowSeconds', '--window').replace('skewSeconds', '--skew'),
      DECODE_USAGE,
    );
  }
  const fields = decodeSessionKey(hex, key);
  const { age, valid } = checkSessionAge(fields, io.now?.() ?? unixTime(), options);
  io.stdout.write(`${JSON.stringify({ ...fields, age, valid }, null, 2)}\n`);
  return Exit.OK;
}

/** parseArgs, strict: unknown options, missing values, an option given twice, extra arguments are UsageErrors. */
function parse<T extends ParseArgsConfig['options']>(
  argv: string[],
  options: T,
  maxPositionals: number,
  usage: string,
) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true });
  } catch (err) {
    throw new UsageError((err as Error).message, usage);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) throw new UsageError(`${token.rawName} is given twice`, usage);
    seen.add(token.name);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`, usage);
  }
  return parsed;
}

function integer(name: string, value: string, max: number, usage: string): number {
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!(n <= max))
    throw new UsageError(`--${name} must be an integer from 0 to ${max}, got ${JSON.stringify(value)}`, usage);
  return n;
}

/** --key, else $PIC_SESSION_DES_KEY; neither is a usage error, a key of the wrong length a failure (exit 1). */
function desKey(given: string | undefined, io: CliIo, usage: string): DesKey {
  const key = given ?? (io.env[DES_KEY_ENV] === '' ? undefined : io.env[DES_KEY_ENV]);
  if (key === undefined) throw new UsageError(`no DES key: give --key or set ${DES_KEY_ENV}`, usage);
  return DesKey.from(key);
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** This package's version, read beside src/ or dist/ alike (both are two levels below package.json). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
