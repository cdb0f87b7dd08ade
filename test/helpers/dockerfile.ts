/**
 * The Dockerfile and .dockerignore read as Docker reads them, for the tests that check the image
 * without a container engine (test/helpers/docker-replay.ts replays the build from this).
 *
 * Only the instructions the project's Dockerfiles use are known: FROM [AS], ARG, RUN, WORKDIR, COPY
 * [--from=], ENV, USER, VOLUME, EXPOSE, STOPSIGNAL, HEALTHCHECK [--opt=...] CMD, ENTRYPOINT, CMD. Any other
 * instruction, or a form of these not described below, is an error naming the line, so that a
 * Dockerfile change the tests cannot follow fails them instead of being skipped.
 */

export interface Instruction {
  /** FROM, RUN, COPY, ... (upper case). */
  op: string;
  /** The arguments, continuation lines joined with a space. */
  args: string;
  /** The line the instruction starts on, 1-based. */
  line: number;
}

export interface Stage {
  /** `AS <name>`, or the stage's index as Docker names unnamed stages. */
  name: string;
  from: string;
  instructions: Instruction[];
}

const KNOWN = new Set([
  'FROM',
  'ARG',
  'RUN',
  'WORKDIR',
  'COPY',
  'ENV',
  'USER',
  'VOLUME',
  'EXPOSE',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'ENTRYPOINT',
  'CMD',
]);

/** The instructions of a Dockerfile: comments and blank lines dropped, `\` continuations joined. */
export function parseInstructions(text: string): Instruction[] {
  const lines = text.split('\n');
  const found: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = (lines[i] as string).trim();
    if (first === '' || first.startsWith('#')) continue;
    const start = i + 1;
    let joined = first;
    // A comment line inside a continuation is skipped, as Docker does.
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      joined = joined.slice(0, -1).trimEnd();
      const next = (lines[++i] as string).trim();
      if (next.startsWith('#')) {
        joined += ' \\';
        continue;
      }
      joined += ` ${next}`;
    }
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(joined);
    if (m === null) throw new Error(`Dockerfile:${start}: not an instruction: ${joined}`);
    const op = (m[1] as string).toUpperCase();
    if (!KNOWN.has(op)) throw new Error(`Dockerfile:${start}: ${op} is not an instruction these tests know`);
    found.push({ op, args: (m[2] as string).trim(), line: start });
  }
  return found;
}

/** The stages of a Dockerfile, each with the instructions after its FROM. */
export function parseStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (m === null)
        throw new Error(`Dockerfile:${instruction.line}: FROM <image> [AS <name>], got ${instruction.args}`);
      stages.push({ name: m[2] ?? String(stages.length), from: m[1] as string, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`Dockerfile:${instruction.line}: ${instruction.op} before any FROM`);
    stage.instructions.push(instruction);
  }
  return stages;
}

/** A JSON array (exec form: `["node", "main.js"]`); shell form is an error, so that no shell is implied. */
export function execForm(instruction: Instruction, args = instruction.args): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((a) => typeof a !== 'string')) {
    throw new Error(
      `Dockerfile:${instruction.line}: ${instruction.op} must be in exec form ["cmd", "arg"], got ${args}`,
    );
  }
  return parsed as string[];
}

/** `ENV a=1 b=2` (values may be double-quoted) or the legacy `ENV a 1`. */
export function envPairs(instruction: Instruction): [string, string][] {
  const args = instruction.args;
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=]*)$/.exec(args);
  if (legacy !== null) return [[legacy[1] as string, (legacy[2] as string).trim()]];
  const pair = /\s*([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)\s*/y;
  const pairs: [string, string][] = [];
  while (pair.lastIndex < args.length) {
    const m = pair.exec(args);
    if (m === null) throw new Error(`Dockerfile:${instruction.line}: ENV must be name=value pairs, got ${args}`);
    const raw = m[2] as string;
    pairs.push([m[1] as string, raw.startsWith('"') ? (JSON.parse(raw) as string) : raw]);
  }
  return pairs;
}

export interface CopyArgs {
  /** The stage named by --from=, or undefined: the build context. */
  from: string | undefined;
  sources: string[];
  dest: string;
}

export function copyArgs(instruction: Instruction): CopyArgs {
  const words = instruction.args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() as string;
    const m = /^--from=(\S+)$/.exec(flag);
    if (m === null) throw new Error(`Dockerfile:${instruction.line}: COPY ${flag} is not a flag these tests know`);
    from = m[1];
  }
  if (words.length < 2)
    throw new Error(`Dockerfile:${instruction.line}: COPY <src>... <dest>, got ${instruction.args}`);
  return { from, sources: words.slice(0, -1), dest: words.at(-1) as string };
}

export interface Healthcheck {
  /** --interval, --timeout, --start-period, --retries as given (`30s`, `3`). */
  options: Record<string, string>;
  command: string[];
}

export function healthcheck(instruction: Instruction): Healthcheck {
  const m = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(.*)$/.exec(instruction.args);
  if (m === null)
    throw new Error(`Dockerfile:${instruction.line}: HEALTHCHECK [--opt=v...] CMD [...], got ${instruction.args}`);
  const options: Record<string, string> = {};
  for (const flag of (m[1] as string)
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '')) {
    const [name, value] = flag.slice(2).split('=') as [string, string];
    options[name] = value;
  }
  return { options, command: execForm(instruction, m[2] as string) };
}

/** `30s`, `1m30s`, `500ms` as Docker durations, in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (m === null) throw new Error(`not a Docker duration: ${text}`);
    total += Number(m[1]) * (units[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return total;
}

/**
 * A .dockerignore as a predicate on context paths (`libs/framing/dist/index.js`): the last
 * pattern that matches decides, `!` re-includes. Patterns are Go filepath.Match globs with `**`
 * for any number of directories; a pattern that matches a directory excludes all below it.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclude = !line.startsWith('!');
      const pattern = (exclude ? line : line.slice(1)).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { exclude, re: globRegExp(pattern) };
    });
  return (path) => {
    // A path is ignored when it, or a directory above it, is matched by the last rule that decides.
    const parts = path.split('/');
    let ignored = false;
    for (const rule of rules) {
      for (let n = 1; n <= parts.length; n++) {
        if (rule.re.test(parts.slice(0, n).join('/'))) {
          ignored = rule.exclude;
          break;
        }
      }
    }
    return ignored;
  };
}

function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (pattern.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
