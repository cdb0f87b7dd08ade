import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The real FastDFS C tools, when installed (they are not part of this repo). */
export const C_TOOLS_DIR = process.env.FDFS_C_TOOLS_DIR ?? '/usr/bin';
export const hasCTools = ['fdfs_upload_file', 'fdfs_download_file', 'fdfs_file_info', 'fdfs_delete_file'].every(
  (tool) => existsSync(join(C_TOOLS_DIR, tool)),
);

/** Writes a FastDFS client.conf for `tracker` into `dir` and returns its path. */
export async function writeClientConf(dir: string, tracker: string): Promise<string> {
  const path = join(dir, 'client.conf');
  await writeFile(
    path,
    `connect_timeout = 5\nnetwork_timeout = 30\nbase_path = ${dir}\ntracker_server = ${tracker}\nlog_level = warn\n`,
  );
  return path;
}

export async function cTool(tool: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(join(C_TOOLS_DIR, tool), args, { timeout: 30_000 });
}
