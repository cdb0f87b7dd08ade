import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { decodeFileId } from 'fastdfs-client-ts';
import { formatFileInfo } from '../../../libs/fastdfs-client-ts/src/cli/format.js';
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

    expect((await runCli(['--tracker', tracker, 'delete', id], dir)).code).toBe(0);
    const again = await runCli(['--tracker', tracker, 'delete', id], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^fdfs: .*not found.*\[FDFS_ERR_NOT_FOUND\]\n$/);
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

  it('groups and storages print JSON', async () => {
    const groups = JSON.parse((await runCli(['--tracker', tracker, 'groups'], dir)).stdout) as Array<{ group: string }>;
    expect(groups.map((g) => g.group)).toEqual(['group1']);
    const storages = JSON.parse((await runCli(['--tracker', tracker, 'storages', 'group1'], dir)).stdout) as Array<{
      status: number;
      storagePort: number;
    }>;
    expect(storages).toHaveLength(1);
    expect(storages[0]).toMatchObject({ status: 7, storagePort: server.storageAddress.port });
  });

  it.each([
    [[], 2, /usage/],
    [['frobnicate'], 2, /unknown command "frobnicate"/],
    [['upload'], 2, /missing argument/],
    [['meta', 'set', 'group1/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin', 'novalue'], 2, /not name=value/],
    [['--bogus'], 2, /Unknown option/],
    [['info', '../../etc/passwd'], 1, /invalid file id/],
  ])('fdfs %j exits %i with a one-line message', async (args, code, message) => {
    const res = await runCli(['--tracker', tracker, ...args], dir);
    expect(res.code).toBe(code);
    const text = code === 2 && args.length === 0 ? res.stdout : res.stderr;
    expect(text).toMatch(message);
    if (code !== 2 || args.length > 0) expect(res.stderr.trim().split('\n')).toHaveLength(1);
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
