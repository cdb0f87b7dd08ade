/**
 * monit: health checks for cron and monitoring systems, each printing one line and exiting
 * 0 (healthy), 1 (unhealthy or unreachable) or 2 (bad command line). bin/monit.mjs runs main().
 */
import { readFileSync } from 'node:fs';
import { cacheCommand } from './cache-command.js';
import { fdfsCommand, usageOf } from './fdfs-command.js';
import { Exit, UsageError, processIo, type MonitIo } from './io.js';
import type { Subcommand } from './subcommand.js';

export const SUBCOMMANDS: readonly Subcommand[] = [fdfsCommand, cacheCommand];

export async function main(argv: string[], io: MonitIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version') {
    io.stdout.write(`monit ${packageVersion()}\n`);
    return Exit.OK;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${generalHelp()}\n`);
    return Exit.OK;
  }
  const command = SUBCOMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const what = name === undefined ? 'no check given' : `unknown check ${JSON.stringify(name)}`;
    io.stderr.write(`monit: ${what}\n${generalHelp()}\n`);
    return Exit.USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`monit ${command.name}: ${err.message}\n${usageOf(command)}\n`);
      return Exit.USAGE;
    }
    // A check reports what it checked itself; anything reaching here failed the check too.
    io.stdout.write(`FAIL ${command.name}: ${(err as Error).message}\n`);
    return Exit.FAIL;
  }
}

function generalHelp(): string {
  const width = Math.max(...SUBCOMMANDS.map((c) => c.name.length)) + 2;
  return `usage: monit <check> [options]    (monit <check> --help for its options)

Checks:
${SUBCOMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Exit status: 0 healthy, 1 unhealthy or unreachable, 2 bad command line.
  --version  print the version`;
}

/** This package's version, read beside src/ or dist/ alike (both one level below package.json). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
