import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { decodeFileId } from 'fastdfs-client-ts';
import { formatFileInfo } from '../../../libs/fastdfs-client-ts/src/cli/format.js';
import { main } from '../../../libs/fastdfs-client-ts/src/cli/main.js';
import { runCli } from '../../helpers/client-conformance.js';
import { unusedPort } from '../../helpers/fake-fdfs-server.js';
import { writeClientConf } from '../../helpers/c-tools.js';
import { startEmbedded } from '../../helpers/raw-client.js';

let server: EmbeddedFdfs;
let dir: string;
let tracker: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fdfs-cli-'));
  ({ server } = await startEmbedded({}, join(dir, 'store')));
  tracker = `127.0.0.1:${server.trackerAddress.port}`;
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('fdfs CLI', () => {
  it('upload prints the file id alone; download, info, meta and delete work on it', async () => {
    const content = randomBytes(2048);
    await writeFile(join(dir, 'avatar.jpeg'), content);
    const up = await runCli(['--tracker', tracker, 'upload', 'avatar.jpeg'], dir);
    expect(up).toMatchObject({ code: 0, stderr: '' });
    expect(up.stdout).toMatch(/^group1\/M00\/[0-9A-F]{2}\/[0-9A-F]{2}\/[A-Za-z0-9_-]{27}\d\d\.jpeg\n$/);
    const id = up.stdout.trim();

    expect((await runCli(['--tracker', tracker, 'download', id], dir)).code).toBe(0);
    expect(await readFile(join(dir, id.split('/').pop() as string))).toEqual(content);

    const info = await runCli(['--tracker', tracker, 'info', id], dir);
    expect(info.stdout).toContain('GET FROM SERVER: false');
    expect(info.stdout).toContain('file size: 2048');
    const json = JSON.parse((await runCli(['--tracker', tracker, 'info', '--json', id], dir)).stdout) as {
      fileSize: number;
      type: string;
    };
    expect(json).toMatchObject({ fileSize: 2048, type: 'normal' });

    expect((await runCli(['--tracker', tracker, 'meta', 'set', id, 'w=800', 'h=600'], dir)).code).toBe(0);
    expect((await runCli(['--tracker', tracker, 'meta', 'set', id, 'w=1024', '--merge'], dir)).code).toBe(0);
    expect((await runCli(['--tracker', tracker, 'meta', 'get', id], dir)).stdout).toBe('h=600\nw=1024\n');

    expect(await runCli(['--tracker', tracker, 'delete', id], dir)).toEqual({
      code: 0,
      stdout: `deleted ${id}\n`,
      stderr: '',
    });
    const again = await runCli(['--tracker', tracker, 'delete', id], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^fdfs: delete group1\/.*: .*not found.*\[FDFS_ERR_NOT_FOUND\]\n$/);
  });

  it('upload --group, and the tracker from a client.conf', async () => {
    await writeFile(join(dir, 'noext'), 'x');
    const conf = await writeClientConf(dir, tracker);
    const up = await runCli(['--conf', conf, 'upload', 'noext', '--group', 'group1'], dir);
    expect(up.code).toBe(0);
    expect(decodeFileId(up.stdout.trim())).toMatchObject({ ext: '', fileSize: 1 });
    const wrong = await runCli(['--conf', conf, 'upload', 'noext', '--group', 'group9'], dir);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
  });

  it('download - writes to stdout', async () => {
    await writeFile(join(dir, 'hello.txt'), 'hello cli');
    const id = (await runCli(['--tracker', tracker, 'upload', 'hello.txt'], dir)).stdout.trim();
    const out = await runCli(['--tracker', tracker, 'download', id, '-'], dir);
    expect(out).toMatchObject({ code: 0, stdout: 'hello cli' });
  });

  it('groups and storages read like fdfs_monitor; --json gives the same as data', async () => {
    const port = server.storageAddress.port;
    const groups = await runCli(['--tracker', tracker, 'groups'], dir);
    expect(groups.code).toBe(0);
    expect(groups.stdout).toMatch(
      /^group count: 1\n\nGroup 1:\ngroup name = group1\ndisk total space {5}= +[\d.]+ [KMGT]?B\n/,
    );
    expect(groups.stdout).toContain(`storage server port = ${port}\n`);
    const groupsJson = JSON.parse((await runCli(['--tracker', tracker, 'groups', '--json'], dir)).stdout) as unknown;
    expect(groupsJson).toEqual([expect.objectContaining({ group: 'group1', storagePort: port })]);

    const one = await runCli(['--tracker', tracker, 'storages', 'group1'], dir);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^group name = group1\n/);
    expect(one.stdout).toContain(`\n\tStorage 1:\n\t\tid = `);
    expect(one.stdout).toContain(`\n\t\thost = 127.0.0.1:${port}  ACTIVE\n`);
    expect(one.stdout).toMatch(/\n\t\tjoin time = \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n/);
    // no group: every group, numbered, as `fdfs_monitor <conf> list`
    const all = await runCli(['--tracker', tracker, 'storages'], dir);
    expect(all.stdout).toBe(`group count: 1\n\nGroup 1:\n${one.stdout}`);

    const storages = JSON.parse((await runCli(['--tracker', tracker, 'storages', '--json'], dir)).stdout) as unknown;
    expect(storages).toEqual([
      expect.objectContaining({ group: 'group1', status: 7, statusName: 'ACTIVE', storagePort: port }),
    ]);

    const missing = await runCli(['--tracker', tracker, 'storages', 'group9'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^fdfs: .*\[FDFS_ERR_NOT_FOUND\]\n$/);
  });

  it('--json prints one JSON document for each command', async () => {
    await writeFile(join(dir, 'doc.txt'), 'json all the way');
    const run = async (...args: string[]) => {
      const res = await runCli(['--tracker', tracker, '--json', ...args], dir);
      expect(res).toMatchObject({ code: 0, stderr: '' });
      return JSON.parse(res.stdout) as Record<string, unknown>;
    };
    const up = await run('upload', 'doc.txt');
    expect(up).toEqual({ fileId: expect.stringMatching(/^group1\/M00\/.*\.txt$/), size: 16, appender: false });
    const id = up.fileId as string;
    expect(await run('meta', 'set', id, 'a=1')).toEqual({ fileId: id, mode: 'overwrite', metadata: { a: '1' } });
    expect(await run('meta', 'get', id)).toEqual({ a: '1' });
    expect(await run('info', id)).toMatchObject({ group: 'group1', fileSize: 16, type: 'normal', fromServer: false });
    const copy = join(dir, 'doc-copy.txt');
    expect(await run('download', id, 'doc-copy.txt')).toEqual({ fileId: id, path: copy, size: 16 });
    expect(await run('delete', id)).toEqual({ results: [{ fileId: id, ok: true }] });
  });

  it.each([
    [[], 2, /^usage: fdfs /],
    [['frobnicate'], 2, /^fdfs: unknown command "frobnicate"\n/],
    [['upload'], 2, /^fdfs: missing <file>\nusage: fdfs \[options\] upload/],
    [['--bogus'], 2, /^fdfs: unknown option --bogus\n/],
    [['info', '../../etc/passwd'], 1, /^fdfs: invalid file id .*\n$/],
  ])('fdfs %j exits %i with a message on stderr', async (args, code, message) => {
    const res = await runCli(['--tracker', tracker, ...args], dir);
    expect(res.code).toBe(code);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(message);
  });

  it('errors name the flag, conf key or variable a bad tracker came from', async () => {
    const conf = join(dir, 'bad-client.conf');
    await writeFile(conf, 'tracker_server = 127.0.0.1\n');
    const fromConf = await runCli(['--conf', conf, 'groups'], dir);
    expect(fromConf.code).toBe(1);
    // the file and key, however the conf reader words the rest
    expect(fromConf.stderr).toMatch(
      /^fdfs: .*bad-client\.conf\b.*tracker_server.*"127\.0\.0\.1".*\[FDFS_ERR_INVALID_CONFIG\]\n$/,
    );
    const res = await fdfsWithEnv({ PIC_TRACKER_SERVER: '127.0.0.1:22122, nohost' }, 'groups');
    expect(res.stderr).toBe('fdfs: PIC_TRACKER_SERVER "nohost" must be host:port [FDFS_ERR_INVALID_CONFIG]\n');
    expect(res.code).toBe(1);
  });

  it('takes the trackers from $PIC_TRACKER_SERVER, and the timeouts from --conf when --tracker is given', async () => {
    expect((await fdfsWithEnv({ PIC_TRACKER_SERVER: tracker }, 'groups', '--json')).code).toBe(0);
    const conf = join(dir, 'other-tracker.conf');
    await writeFile(conf, 'tracker_server = 127.0.0.1:1\nnetwork_timeout = 7\n');
    expect((await runCli(['--conf', conf, '--tracker', tracker, 'groups'], dir)).code).toBe(0);
    expect((await runCli(['--conf', conf, 'groups'], dir)).stderr).toContain('127.0.0.1:1');
  });

  it('names the tracker it could not reach', async () => {
    const port = await unusedPort();
    const res = await runCli(['--tracker', `127.0.0.1:${port}`, 'groups'], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`127.0.0.1:${port}`);
  });

  it('formats a CRC32 with the high bit set the way fdfs_file_info does', () => {
    const text = formatFileInfo({
      ...decodeFileId('group1/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin'),
      crc32: 0x9403e9f5,
      fromServer: false,
    });
    expect(text).toContain('file crc32: -1811682827 (0x9403e9f5)');
    expect(text.split('\n').slice(0, 3)).toEqual(['GET FROM SERVER: false', '', 'file type: normal']);
  });
});

/** The CLI with an environment of its own (runCli passes an empty one). */
async function fdfsWithEnv(env: NodeJS.ProcessEnv, ...args: string[]) {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString('utf8'));
        callback();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env,
    cwd: dir,
  });
  return { code, stdout, stderr };
}
