import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { decodeFileId } from 'fastdfs-client-ts';
import { runCli } from '../../helpers/client-conformance.js';
import { C_TOOLS_DIR, writeClientConf } from '../../helpers/c-tools.js';
import { startEmbedded } from '../../helpers/raw-client.js';

/*
 * The fdfs CLI next to the FastDFS C tools, on the same server: the extension an upload gets,
 * appender files, and fdfs_monitor's listing. Runs where the C tools are installed, against
 * the real FastDFS at $FDFS_TRACKER when set, else against the embedded server.
 */
const REAL_TRACKER = process.env.FDFS_TRACKER;
const TOOLS = ['fdfs_upload_file', 'fdfs_upload_appender', 'fdfs_append_file', 'fdfs_download_file', 'fdfs_monitor'];
const hasTools = TOOLS.every((tool) => existsSync(join(C_TOOLS_DIR, tool)));
const run = promisify(execFile);

/** A C tool run from `cwd`, so that relative file names reach it exactly as typed. */
async function cTool(tool: string, args: string[], cwd: string): Promise<string> {
  return (await run(join(C_TOOLS_DIR, tool), args, { cwd, timeout: 30_000 })).stdout;
}

describe.skipIf(!hasTools)('fdfs CLI and the FastDFS C tools', () => {
  let server: EmbeddedFdfs | undefined;
  let dir: string;
  let conf: string;
  const created: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fdfs-cli-c-tools-'));
    if (REAL_TRACKER === undefined) ({ server } = await startEmbedded({}, join(dir, 'store')));
    conf = await writeClientConf(dir, REAL_TRACKER ?? `127.0.0.1:${server?.trackerAddress.port}`);
    await mkdir(join(dir, 'files'));
    await mkdir(join(dir, 'files', 'dir.v2'));
  });

  afterAll(async () => {
    if (created.length > 0) await runCli(['--conf', conf, 'delete', ...created], dir);
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    'photo.jpg',
    'file.longextension',
    '.hidden',
    'archive.tar.gz',
    '.tar.gz',
    'x.abcdef',
    'x.abcdefg',
    'file.',
    'a..b',
    'noext',
    'files/.gz.x',
    'files/dir.v2/plain',
    './.profile',
  ])('upload %j gets the extension fdfs_upload_file gives it', async (name) => {
    await writeFile(join(dir, name), `content of ${name}`);
    const cId = (await cTool('fdfs_upload_file', [conf, name], dir)).trim();
    const ours = await runCli(['--conf', conf, 'upload', name], dir);
    expect(ours).toMatchObject({ code: 0, stderr: '' });
    expect(decodeFileId(ours.stdout.trim()).ext).toBe(decodeFileId(cId).ext);

    const cAppender = (await cTool('fdfs_upload_appender', [conf, name], dir)).trim();
    const appender = await runCli(['--conf', conf, 'upload', '--appender', name], dir);
    created.push(cId, ours.stdout.trim(), cAppender, appender.stdout.trim());
    expect(decodeFileId(appender.stdout.trim())).toMatchObject({ type: 'appender', ext: decodeFileId(cAppender).ext });
  });

  it('append and fdfs_append_file extend each other’s appender files', async () => {
    await writeFile(join(dir, 'part1.log'), 'one;');
    await writeFile(join(dir, 'part2.log'), 'two;');
    const id = (await runCli(['--conf', conf, 'upload', '--appender', 'part1.log'], dir)).stdout.trim();
    created.push(id);
    await cTool('fdfs_append_file', [conf, id, 'part2.log'], dir);
    expect((await runCli(['--conf', conf, 'append', id, 'part1.log'], dir)).code).toBe(0);
    await cTool('fdfs_download_file', [conf, id, 'joined.log'], dir);
    expect((await runCli(['--conf', conf, 'download', id, '-'], dir)).stdout).toBe('one;two;one;');
  });

  it('storages prints what fdfs_monitor list prints, below its tracker lines', async () => {
    // Values that change from one call to the next (counters, heartbeats, on a busy server
    // even the free space) are compared by name only.
    const live = /^(\t\t(last_\w+|connection\.current_count|s?total_\w+|success_\w+) = |\t*disk \w+ space +=).*$/gm;
    const mask = (text: string) => text.replace(live, '$1…');
    for (const args of [['group1'], []]) {
      const monitor = await cTool('fdfs_monitor', [conf, 'list', ...args], dir);
      // fdfs_monitor starts with `tracker server count=...` and `tracker server is ...`.
      const expected = monitor.split('\n').slice(4).join('\n');
      const ours = await runCli(['--conf', conf, 'storages', ...args], dir);
      expect(ours.code).toBe(0);
      expect(expected).toContain('ACTIVE\n\t\tread write mode = ');
      expect(mask(ours.stdout)).toBe(mask(expected));
    }
  });
});
