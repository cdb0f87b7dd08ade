import type { CommandSpec } from '../command.js';
import { append } from './append.js';
import { groups, storages } from './cluster.js';
import { del } from './delete.js';
import { download } from './download.js';
import { info } from './info.js';
import { metaGet, metaSet } from './meta.js';
import { upload } from './upload.js';

/** Every command, in the order `fdfs help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  upload,
  append,
  download,
  del,
  info,
  metaGet,
  metaSet,
  groups,
  storages,
];

/** Commands named by two words: `meta get`, `meta set`. */
export const COMMAND_GROUPS = ['meta'] as const;

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
