/**
 * del_file_ontime, the cron CLI: `del_file_ontime [options] <delete.log> <host:port>` drains the
 * delete log del_svr writes into cs_del_svr (cmd 3030 through admin_proxy). The bin shim
 * (bin/del_file_ontime.mjs) calls main() and exits with what it returns.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FrameClient } from '@pic-storage/frame-service';
import { drainDeleteLog, RunLockedError, type DrainSummary } from '@pic-storage/delete-log';
import { readServiceConf } from '@pic-storage/service-process';
import { parseCommandLine, UsageError, type CommandLine } from './args.js';
import { batchDeleteSender } from './batch-sender.js';
import { DEL_FILE_ONTIME_CONF_KEYS, readDelFileOntimeConf, type DelFileOntimeConf } from './conf.js';
import { Exit } from './exit.js';
import { ProgressDisplay, type ProgressTarget } from './progress.js';
import { summaryJson, summaryLine } from './summary.js';
import { USAGE_LINE, helpText } from './usage.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressTarget;
  /** Where SIGINT / SIGTERM arrive: the run stops after the request in flight. Default: none. */
  signals?: { once(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown };
}

/** Unreadable lines shown on stderr; the rest are only counted in the summary. */
const MAX_SHOWN_UNREADABLE = 5;

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let line: CommandLine;
  try {
    line = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`del_file_ontime: ${err.message}\n${USAGE_LINE}\n(del_file_ontime --help for more)\n`);
    return Exit.USAGE;
  }
  if (line.kind === 'help') {
    io.stdout.write(`${helpText()}\n`);
    return Exit.OK;
  }
  if (line.kind === 'version') {
    io.stdout.write(`del_file_ontime ${packageVersion()}\n`);
    return Exit.OK;
  }
  let conf: DelFileOntimeConf;
  try {
    conf = readDelFileOntimeConf(readServiceConf('del-file-ontime.conf', DEL_FILE_ONTIME_CONF_KEYS).conf);
  } catch (err) {
    io.stderr.write(`del_file_ontime: ${(err as Error).message}\n`);
    return Exit.CONFIG;
  }
  return run(line, conf, io);
}

async function run(line: Extract<CommandLine, { kind: 'run' }>, conf: DelFileOntimeConf, io: CliIo): Promise<number> {
  const timeoutMs = (line.timeoutS ?? conf.networkTimeoutS) * 1000;
  const client = new FrameClient({
    host: line.host,
    port: line.port,
    connectTimeoutMs: conf.connectTimeoutS * 1000,
    requestTimeoutMs: timeoutMs,
  });
  const send = batchDeleteSender(client, timeoutMs);
  let interrupted: string | undefined;
  const interrupt = (signal: string) => () => {
    interrupted ??= signal;
    void client.close(); // fails the request in flight: the run stops, that batch is sent next run
  };
  io.signals?.once('SIGINT', interrupt('SIGINT'));
  io.signals?.once('SIGTERM', interrupt('SIGTERM'));
  const progress = new ProgressDisplay(io.stderr);
  let unreadableShown = 0;
  let summary: DrainSummary;
  try {
    summary = await drainDeleteLog({
      logPath: resolve(line.logPath),
      batchSize: line.batchSize ?? conf.batchSize,
      send,
      onProgress: (sent, total) => progress.update(sent, total),
      onUnreadable: (file, text) => {
        if (unreadableShown++ >= MAX_SHOWN_UNREADABLE) return;
        progress.done();
        io.stderr.write(`del_file_ontime: ${file}: skipped a line that is not an entry: ${JSON.stringify(text)}\n`);
      },
    });
  } catch (err) {
    progress.done();
    if (err instanceof RunLockedError) {
      io.stderr.write(`del_file_ontime: ${err.message}\n`);
      return Exit.LOCKED;
    }
    io.stderr.write(`del_file_ontime: ${(err as Error).message}\n`);
    return Exit.FAILED;
  } finally {
    await client.close();
  }
  progress.done();
  if (summary.stopped !== undefined) {
    const why = interrupted === undefined ? summary.stopped : `interrupted by ${interrupted}`;
    io.stderr.write(`del_file_ontime: stopped: ${why}\n`);
  }
  io.stdout.write(`${line.json ? summaryJson(summary) : summaryLine(summary)}\n`);
  return summary.failed === 0 && summary.kept === 0 && summary.stopped === undefined ? Exit.OK : Exit.FAILED;
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, signals: process };
}

/** The app's version, read beside src/ or dist/ alike. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
