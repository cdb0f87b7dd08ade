import { parseArgs } from 'node:util';
import type { CommandFlag, CommandSpec, Flags } from './command.js';
import { COMMAND_GROUPS, COMMANDS, findCommand } from './commands/index.js';
import { UsageError } from './errors.js';
import { commandHelp, generalHelp, helpForGroup } from './usage.js';

/** Every option the CLI knows; which command takes which is in each CommandSpec's `flags`. */
const OPTIONS = {
  tracker: { type: 'string', multiple: true },
  conf: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  group: { type: 'string' },
  ext: { type: 'string' },
  appender: { type: 'boolean' },
  merge: { type: 'boolean' },
} as const;

type OptionName = keyof typeof OPTIONS;
const GLOBAL_OPTIONS: ReadonlySet<OptionName> = new Set(['tracker', 'conf', 'json', 'help', 'version']);

export interface GlobalFlags {
  tracker?: string[];
  conf?: string;
  json: boolean;
}

export type CommandLine =
  | { kind: 'version' }
  /** Help asked for: printed on stdout, exit 0. */
  | { kind: 'help'; text: string }
  /** No command at all: the general help on stderr, exit 2. */
  | { kind: 'no-command' }
  | { kind: 'run'; spec: CommandSpec; args: string[]; flags: Flags; global: GlobalFlags };

/**
 * Reads argv strictly: an unknown option, an option the command does not take, a value missing
 * or given twice, a missing or extra argument are all UsageErrors; nothing is silently ignored.
 * Options may come anywhere; `--` ends them (`fdfs upload -- -file-with-dash`).
 */
export function parseCommandLine(argv: string[]): CommandLine {
  // strict: false so that unknown options come back as tokens, reported here in our own words.
  const { tokens } = parseArgs({ args: argv, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const positionals: string[] = [];
  const strings = new Map<OptionName, string[]>();
  const booleans = new Set<OptionName>();
  const given: Array<{ name: OptionName; rawName: string }> = [];
  let problem: string | undefined;
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option' || problem !== undefined) continue;
    if (!Object.hasOwn(OPTIONS, token.name)) {
      problem = `unknown option ${token.rawName}`;
      continue;
    }
    const name = token.name as OptionName;
    const option: { type: 'string' | 'boolean'; multiple?: boolean } = OPTIONS[name];
    given.push({ name, rawName: token.rawName });
    if (option.type === 'boolean') {
      if (token.value !== undefined) problem = `${token.rawName} takes no value`;
      booleans.add(name);
    } else if (token.value === undefined || (!token.inlineValue && /^-./.test(token.value))) {
      problem = `${token.rawName} needs a value`;
    } else if (strings.has(name) && option.multiple !== true) {
      problem = `${token.rawName} is given twice`;
    } else {
      strings.set(name, [...(strings.get(name) ?? []), token.value]);
    }
  }

  if (booleans.has('version') && problem === undefined) return { kind: 'version' };
  const help = booleans.has('help');
  const [first, ...rest] = positionals;
  if (first === 'help' && problem === undefined) return { kind: 'help', text: helpFor(rest) };
  if (first === undefined) {
    if (problem !== undefined) throw new UsageError(problem);
    return help ? { kind: 'help', text: generalHelp() } : { kind: 'no-command' };
  }
  const found = resolveCommand(first, rest, help && problem === undefined);
  if (typeof found === 'string') return { kind: 'help', text: groupHelp(found) };
  const [spec, args] = found;
  if (problem !== undefined) throw new UsageError(problem, spec.name);
  if (help) return { kind: 'help', text: commandHelp(spec) };

  for (const { name, rawName } of given) {
    if (!GLOBAL_OPTIONS.has(name) && !spec.flags.includes(name as CommandFlag)) {
      throw new UsageError(`${rawName} does not apply to ${spec.name}`, spec.name);
    }
  }
  checkArity(spec, args);
  const flags: Flags = {};
  const group = strings.get('group')?.[0];
  const ext = strings.get('ext')?.[0];
  if (group !== undefined) flags.group = group;
  if (ext !== undefined) flags.ext = ext;
  if (booleans.has('appender')) flags.appender = true;
  if (booleans.has('merge')) flags.merge = true;
  const global: GlobalFlags = { json: booleans.has('json') };
  const tracker = strings.get('tracker');
  const conf = strings.get('conf')?.[0];
  if (tracker !== undefined) global.tracker = tracker;
  if (conf !== undefined) global.conf = conf;
  return { kind: 'run', spec, args, flags, global };
}

/**
 * The command named by the first one or two words, and the arguments after them; for a group
 * named alone (`fdfs meta --help`) with `help`, the group's name.
 */
function resolveCommand(first: string, rest: string[], help: boolean): [CommandSpec, string[]] | string {
  if ((COMMAND_GROUPS as readonly string[]).includes(first)) {
    const [second, ...args] = rest;
    const spec = second === undefined ? undefined : findCommand(`${first} ${second}`);
    if (spec !== undefined) return [spec, args];
    if (second === undefined && help) return first;
    const choices = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name.split(' ')[1]);
    const what = second === undefined ? 'needs' : `has no command ${JSON.stringify(second)}: use`;
    throw new UsageError(`${first} ${what} ${choices.join(' or ')}`, first);
  }
  const spec = findCommand(first);
  if (spec === undefined) throw new UsageError(`unknown command ${JSON.stringify(first)}`);
  return [spec, rest];
}

function helpFor(words: string[]): string {
  if (words.length === 0) return generalHelp();
  const found = resolveCommand(words[0] as string, words.slice(1), true);
  if (typeof found === 'string') return groupHelp(found);
  if (found[1].length > 0) throw new UsageError(`help takes one command, not ${JSON.stringify(words.join(' '))}`);
  return commandHelp(found[0]);
}

function groupHelp(group: string): string {
  return helpForGroup(COMMANDS.filter((c) => c.name.startsWith(`${group} `)));
}

function checkArity(spec: CommandSpec, args: string[]): void {
  if (args.length > spec.args.max) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args[spec.args.max])}`, spec.name);
  }
  if (args.length < spec.args.min) {
    // The placeholders outside [...] are the required arguments, in order.
    const required = spec.synopsis.replace(/\[[^\]]*\]/g, '').match(/<[^>]+>/g) ?? [];
    throw new UsageError(`missing ${required.slice(args.length).join(' ')}`, spec.name);
  }
  const empty = args.findIndex((a) => a === '');
  if (empty >= 0) throw new UsageError(`argument ${empty + 1} is empty`, spec.name);
}
