/**
 * The conf files shipped in conf/, as the tests that hold them equal to the code's defaults read
 * them: the values set, and every key the file documents (set, or shown commented out as `#key = ...`).
 */
import { readFileSync } from 'node:fs';
import { ConfReader, parseConfText } from 'fastdfs-conf';

const CONF_DIR = new URL('../../conf/', import.meta.url);

export interface ShippedConf {
  /** The keys the file sets, read as a service reads them. */
  conf: ConfReader;
  /** Keys set or shown commented out. */
  documented: Set<string>;
}

export function readShippedConf(file: string): ShippedConf {
  const text = readFileSync(new URL(file, CONF_DIR), 'utf8');
  const documented = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^#?\s*([a-z][a-z0-9_.]*)\s*=/.exec(line);
    if (m !== null) documented.add(m[1] as string);
  }
  return { conf: new ConfReader(parseConfText(text, `conf/${file}`), `conf/${file}`), documented };
}

/** A conf given as text, for the error cases. */
export function confOf(text: string, source = 'test.conf'): ConfReader {
  return new ConfReader(parseConfText(text, source), source);
}
