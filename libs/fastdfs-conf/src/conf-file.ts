import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from 'fastdfs-protocol';

/** One `key = value` line: the value and where it was written, so an error can point at it. */
export interface ConfValue {
  readonly value: string;
  /** The file as errors name it: the path given for the top file, the #include'd path for others. */
  readonly source: string;
  /** 1-based line number in `source`. */
  readonly line: number;
}

/**
 * FastDFS `key = value` configuration text (libfastcommon ini_file_reader): `#` starts a
 * comment line, keys may repeat (`tracker_server` does), `#include other.conf` pulls in a file
 * relative to the top file's folder. Sections (`[name]`) are kept as `section.key`. Keys are in
 * the order they first appear, each with its values in file order.
 */
export type ConfEntries = Map<string, ConfValue[]>;

const MAX_INCLUDE_DEPTH = 8;

/**
 * `source` names the text in errors and locations. `include(name)` returns the text of an
 * #include'd file; without it an #include is an error.
 */
export function parseConfText(text: string, source = 'conf', include?: (name: string) => string): ConfEntries {
  const entries: ConfEntries = new Map();
  parseInto(entries, text, source, { root: source, include, depth: 0 });
  return entries;
}

interface IncludeContext {
  /** The top file: #include paths are relative to its folder (libfastcommon `config_path`). */
  readonly root: string;
  readonly include: ((name: string) => string) | undefined;
  readonly depth: number;
}

function parseInto(entries: ConfEntries, text: string, source: string, ctx: IncludeContext): void {
  let section = '';
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const includeMatch = /^#include\s+(\S+)$/.exec(line);
    if (includeMatch !== null) {
      if (ctx.include === undefined) throw new ConfigError(`${source}:${i + 1}: #include is not allowed here`);
      if (ctx.depth >= MAX_INCLUDE_DEPTH) throw new ConfigError(`${source}:${i + 1}: #include nested too deep`);
      const name = includeMatch[1] as string;
      const included = includeText(ctx.include, name, `${source}:${i + 1}`);
      const shown = isAbsolute(name) ? name : join(dirname(ctx.root), name);
      parseInto(entries, included, shown, { ...ctx, depth: ctx.depth + 1 });
      // libfastcommon ini_file_reader.c 1052-1060: after an include, keys are global again.
      section = '';
      return;
    }
    if (line === '' || line.startsWith('#')) return;
    const sectionMatch = /^\[([^\]]+)\]$/.exec(line);
    if (sectionMatch !== null) {
      section = `${(sectionMatch[1] as string).trim()}.`;
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${source}:${i + 1}: expected "key = value", got ${JSON.stringify(line)}`);
    const key = section + line.slice(0, eq).trim();
    const value: ConfValue = { value: line.slice(eq + 1).trim(), source, line: i + 1 };
    const list = entries.get(key);
    if (list === undefined) entries.set(key, [value]);
    else list.push(value);
  });
}

/** The included text; a ConfigError from reading it names the #include line. */
function includeText(include: (name: string) => string, name: string, where: string): string {
  try {
    return include(name);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${where}: ${err.message}`);
    throw err;
  }
}

/** Reads a conf file and its #includes; errors and locations name files as `path` names them. */
export function readConfFile(path: string): ConfEntries {
  const read = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  const base = dirname(path);
  return parseConfText(read(path), path, (name) => read(isAbsolute(name) ? name : resolve(base, name)));
}
