import type { CommandSpec } from './command.js';
import { COMMANDS } from './commands/index.js';
import { LOCAL_CONF, TRACKER_ENV } from './trackers.js';

const GLOBAL_SYNOPSIS = '[--tracker host[:port]]... [--conf client.conf] [--json]';

/** `fdfs --help`, `fdfs help`: every command and the options they share. */
export function generalHelp(): string {
  const rows = [
    ...COMMANDS.map((c) => [`${c.name} ${c.synopsis}`.trim(), c.summary]),
    ['help [<command>]', 'this text, or the details of one command'],
  ];
  const width = Math.max(...rows.map(([left]) => (left as string).length)) + 2;
  return `usage: fdfs ${GLOBAL_SYNOPSIS} <command> [<args>]

Commands:
${rows.map(([left, right]) => `  ${(left as string).padEnd(width)}${right}`).join('\n')}

Options (for every command):
  --tracker host[:port]  a tracker server; repeat for several (port 22122 if left out)
  --conf FILE            a FastDFS client.conf: tracker_server lines, connect/network timeouts
  --json                 print one JSON document on stdout instead of text (see fdfs help <command>)
  -h, --help             help (fdfs <command> --help: that command's)
  --version              print the version

Trackers come from --tracker, else --conf, else $${TRACKER_ENV} (comma-separated host:port),
else ./${LOCAL_CONF} in the current folder, else 127.0.0.1:22122.
Exit status: 0 done, 1 failed, 2 bad usage, 130 interrupted (Ctrl-C), 141 stdout closed early.`;
}

export function usageLine(spec: CommandSpec): string {
  return `usage: fdfs [options] ${spec.name} ${spec.synopsis}`.trimEnd();
}

/** `fdfs help <command>`, `fdfs <command> --help`. */
export function commandHelp(spec: CommandSpec): string {
  return `${usageLine(spec)}\n\n${spec.summary}.\n${spec.details}`;
}

/** `fdfs help meta`: both meta commands. */
export function helpForGroup(specs: readonly CommandSpec[]): string {
  return specs.map(commandHelp).join('\n\n');
}
