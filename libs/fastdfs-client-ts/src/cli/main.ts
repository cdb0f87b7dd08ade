import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { FdfsError, ProtocolError } from 'fastdfs-protocol';
import { FdfsClient } from '../client.js';
import type { FdfsClientOptions } from '../options.js';
import { type CommandLine, parseCommandLine } from './args.js';
import type { CommandContext } from './command.js';
import { describeError } from './describe-error.js';
import { Exit, InterruptedError, isBrokenPipe, UsageError } from './errors.js';
import { type CliIo, processIo, type StopSignal } from './io.js';
import { findNonFastdfsServer } from './not-fastdfs.js';
import { ProgressLine } from './progress.js';
import { COMMANDS } from './commands/index.js';
import { clientOptionsFor } from './trackers.js';
import { generalHelp, usageLine } from './usage.js';

export type { CliIo } from './io.js';

/** Runs the CLI and returns its exit status (errors.ts `Exit`): 0 done, 1 failed, 2 bad usage. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let line: CommandLine;
  try {
    line = parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) return reportUsage(err, io);
    throw err;
  }
  switch (line.kind) {
    case 'version':
      io.stdout.write(`fdfs ${packageVersion()}\n`);
      return Exit.OK;
    case 'help':
      io.stdout.write(`${line.text}\n`);
      return Exit.OK;
    case 'no-command':
      io.stderr.write(`${generalHelp()}\n`);
      return Exit.USAGE;
    case 'run':
      return run(line, io);
  }
}

async function run(line: Extract<CommandLine, { kind: 'run' }>, io: CliIo): Promise<number> {
  const { spec, args, flags, global } = line;
  // A reader that goes away (`| head`) makes writes fail with EPIPE: note it and stop writing,
  // rather than die on an unhandled 'error' event. The listeners stay: errors can arrive late.
  let stdoutClosed = false;
  let stdoutError: Error | undefined;
  io.stdout.on('error', (err) => {
    if (isBrokenPipe(err)) stdoutClosed = true;
    else stdoutError ??= err;
  });
  io.stderr.on('error', () => undefined);

  const abort = new AbortController();
  const onSignal = (signal: StopSignal) => () => abort.abort(new InterruptedError(signal));
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
  for (const [signal, handler] of Object.entries(handlers)) io.signals?.on(signal as StopSignal, handler);
  const interrupted = new Promise<never>((_, reject) => {
    abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), { once: true });
  });
  interrupted.catch(() => undefined);

  const progressLines: ProgressLine[] = [];
  const clearProgress = () => progressLines.forEach((p) => p.done());
  let options: FdfsClientOptions | undefined;
  let client: FdfsClient | undefined;
  const ctx: CommandContext = {
    io,
    flags,
    json: global.json,
    signal: abort.signal,
    tempFiles: new Set(),
    client: () => (client ??= new FdfsClient(options as FdfsClientOptions)),
    out(text) {
      clearProgress();
      if (!stdoutClosed && stdoutError === undefined) io.stdout.write(`${text}\n`);
    },
    printJson(doc) {
      ctx.out(JSON.stringify(doc, null, 2));
    },
    warn(text) {
      clearProgress();
      io.stderr.write(`fdfs: ${text}\n`);
    },
    progress(label, total) {
      const progress = ProgressLine.start(io.stderr, label, total, io.now ?? Date.now);
      if (progress !== undefined) progressLines.push(progress);
      return progress;
    },
  };

  try {
    options = clientOptionsFor(global, io);
    const running = spec.run(ctx, args);
    running.catch(() => undefined); // reported through the race below, or moot after an interrupt
    const code = await Promise.race([running, interrupted]);
    // A write's error arrives after the write: wait for the writes so far before judging them.
    await new Promise<void>((resolve) => io.stdout.write('', () => resolve()));
    if (stdoutError !== undefined) throw stdoutError;
    return stdoutClosed ? Exit.BROKEN_PIPE : code;
  } catch (err) {
    clearProgress();
    if (abort.signal.aborted) return Exit[(abort.signal.reason as InterruptedError).signal];
    if (isBrokenPipe(err) || stdoutClosed) return Exit.BROKEN_PIPE;
    if (err instanceof UsageError)
      return reportUsage(err.command === undefined ? new UsageError(err.message, spec.name) : err, io);
    io.stderr.write(`fdfs: ${await failureLine(err, options, ctx)}\n`);
    return Exit.FAILED;
  } finally {
    for (const [signal, handler] of Object.entries(handlers)) io.signals?.off(signal as StopSignal, handler);
    clearProgress();
    await Promise.all([...ctx.tempFiles].map((temp) => rm(temp, { force: true })));
    await client?.close();
  }
}

/** One line: the message and its code; a reply that is not FastDFS names the server it came from. */
async function failureLine(err: unknown, options: FdfsClientOptions | undefined, ctx: CommandContext): Promise<string> {
  if (err instanceof ProtocolError && options !== undefined) {
    const server = await findNonFastdfsServer(err, options, ctx.storageOf);
    const detail = describeError(err).message;
    if (server === undefined) return `a server answered outside the FastDFS protocol (${detail}) [${err.code}]`;
    const unnamed = detail.startsWith(`${server}: `) ? detail.slice(server.length + 2) : detail;
    return `${server} is not a FastDFS server (${unnamed}) [${err.code}]`;
  }
  const { code, message } = describeError(err);
  return err instanceof FdfsError ? `${message} [${code}]` : message;
}

/** The error, then the usage line of the command it is about (or a pointer to the general help). */
function reportUsage(err: UsageError, io: CliIo): number {
  // A group name (`meta`) shows the usage of each of its commands.
  const specs = COMMANDS.filter((c) => c.name === err.command || c.name.startsWith(`${err.command} `));
  const usage =
    specs.length === 0
      ? 'usage: fdfs [options] <command> [<args>]  (fdfs --help lists the commands)'
      : specs.map(usageLine).join('\n');
  io.stderr.write(`fdfs: ${err.message}\n${usage}\n`);
  return Exit.USAGE;
}

/** This package's version, read beside src/ or dist/ alike (both are two levels below package.json). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
