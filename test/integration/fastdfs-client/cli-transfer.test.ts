import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { decodeFileId } from 'fastdfs-client-ts';
import { Cmd, encodeFetchResponse, encodeHeader } from 'fastdfs-protocol';
import { main } from '../../../libs/fastdfs-client-ts/src/cli/main.js';
import { FakeFdfsServer } from '../../helpers/fake-fdfs-server.js';
import { startEmbedded } from '../../helpers/raw-client.js';

const BIN = fileURLToPath(new URL('../../../libs/fastdfs-client-ts/bin/fdfs.mjs', import.meta.url));
const MB = 1024 * 1024;

let server: EmbeddedFdfs;
let dir: string;
let tracker: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fdfs-cli-transfer-'));
  ({ server } = await startEmbedded({}, join(dir, 'store')));
  tracker = `127.0.0.1:${server.trackerAddress.port}`;
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

interface RunOptions {
  /** stderr claims to be a terminal. */
  tty?: boolean;
  signals?: EventEmitter;
  stdout?: Writable;
  cwd?: string;
}

/** Runs the CLI in-process against `tracker`, capturing stdout and stderr. */
async function fdfs(args: string[], options: RunOptions = {}) {
  const text = { stdout: '', stderr: '' };
  const sink = (name: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        text[name] += chunk.toString('latin1');
        callback();
      },
    });
  const stderr = Object.assign(sink('stderr'), { isTTY: options.tty === true, columns: 100 });
  const code = await main(['--tracker', tracker, ...args], {
    stdout: options.stdout ?? sink('stdout'),
    stderr,
    env: {},
    cwd: options.cwd ?? dir,
    ...(options.signals === undefined ? {} : { signals: options.signals }),
  });
  return { code, ...text };
}

async function partFiles(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name.endsWith('.part'));
}

describe('fdfs CLI transfers', () => {
  it('upload --appender, then append adds to the file (fdfs_upload_appender, fdfs_append_file)', async () => {
    await writeFile(join(dir, 'log.txt'), 'first,');
    await writeFile(join(dir, 'more.txt'), 'second');
    const up = await fdfs(['upload', '--appender', 'log.txt']);
    expect(up).toMatchObject({ code: 0, stderr: '' });
    const id = up.stdout.trim();
    expect(decodeFileId(id)).toMatchObject({ type: 'appender', ext: 'txt' });

    expect(await fdfs(['append', id, 'more.txt'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await fdfs(['download', id, '-'])).stdout).toBe('first,second');
    const json = await fdfs(['append', id, 'more.txt', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ fileId: id, appended: 6 });
    expect((await fdfs(['info', id])).stdout).toContain('file size: 18');

    const missing = await fdfs(['append', id, 'no-such-file']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe('fdfs: cannot read no-such-file: ENOENT\n');
  });

  it('meta get prints nothing for a file without metadata; a missing file still fails', async () => {
    await writeFile(join(dir, 'plain.bin'), 'no metadata');
    const id = (await fdfs(['upload', 'plain.bin'])).stdout.trim();
    expect(await fdfs(['meta', 'get', id])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(JSON.parse((await fdfs(['meta', 'get', id, '--json'])).stdout)).toEqual({});
    expect((await fdfs(['delete', id])).code).toBe(0);
    const gone = await fdfs(['meta', 'get', id]);
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(gone.stderr).toMatch(/^fdfs: .*not found.*\[FDFS_ERR_NOT_FOUND\]\n$/);
  });

  it('delete takes several ids: deletes each, reports each, exits 1 if any failed', async () => {
    const ids: string[] = [];
    for (const name of ['d1.txt', 'd2.txt', 'd3.txt']) {
      await writeFile(join(dir, name), name);
      ids.push((await fdfs(['upload', name])).stdout.trim());
    }
    const [a, b, c] = ids as [string, string, string];
    expect(await fdfs(['delete', a, b])).toEqual({ code: 0, stdout: `deleted ${a}\ndeleted ${b}\n`, stderr: '' });

    const mixed = await fdfs(['delete', a, c]);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toBe(`deleted ${c}\n`);
    expect(mixed.stderr).toMatch(new RegExp(`^fdfs: delete ${a}: .*not found.*\\[FDFS_ERR_NOT_FOUND\\]\\n$`));

    const json = await fdfs(['delete', '--json', c, b]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      results: [
        { fileId: c, ok: false, code: 'FDFS_ERR_NOT_FOUND', message: expect.stringContaining('not found') },
        { fileId: b, ok: false, code: 'FDFS_ERR_NOT_FOUND', message: expect.stringContaining('not found') },
      ],
    });
  });

  it('download into a folder uses the remote name; it replaces a file only once complete', async () => {
    const content = randomBytes(100_000);
    await writeFile(join(dir, 'photo.jpg'), content);
    const id = (await fdfs(['upload', 'photo.jpg'])).stdout.trim();
    const folder = join(dir, 'into');
    await mkdir(folder);
    expect((await fdfs(['download', id, 'into'])).code).toBe(0);
    expect((await readFile(join(folder, decodeFileId(id).basename))).equals(content)).toBe(true);

    await writeFile(join(folder, 'old.jpg'), 'old');
    expect((await fdfs(['download', id, 'into/old.jpg'])).code).toBe(0);
    expect((await readFile(join(folder, 'old.jpg'))).equals(content)).toBe(true);
    expect(await partFiles(folder)).toEqual([]);

    const nowhere = await fdfs(['download', id, 'into/no-such-folder/x.jpg']);
    expect(nowhere).toEqual({
      code: 1,
      stdout: '',
      stderr: `fdfs: cannot write ${join(folder, 'no-such-folder/x.jpg')}: ENOENT\n`,
    });
  });

  it('shows a progress line on a terminal only, for large transfers, and erases it', async () => {
    const content = randomBytes(5 * MB);
    await writeFile(join(dir, 'big.bin'), content);
    const up = await fdfs(['upload', 'big.bin'], { tty: true });
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^group1\/\S+\.bin\n$/);
    expect(up.stderr).toMatch(/^\r\x1b\[Kbig\.bin {2}[\d.]+ [KM]?B \/ 5\.0 MB {2}\d+%/);
    expect(up.stderr).toMatch(/\r\x1b\[Kbig\.bin {2}5\.0 MB \/ 5\.0 MB {2}100% {2}[\d.]+ [KMG]?B\/s\r\x1b\[K$/);
    const id = up.stdout.trim();

    const down = await fdfs(['download', id, 'big-copy.bin'], { tty: true });
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(/5\.0 MB \/ 5\.0 MB {2}100% {2}[\d.]+ [KMG]?B\/s\r\x1b\[K$/);
    // .equals: a deep toEqual of megabytes takes the matcher seconds
    expect((await readFile(join(dir, 'big-copy.bin'))).equals(content)).toBe(true);

    expect(await fdfs(['download', id, 'big-copy2.bin'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await fdfs(['upload', 'big.bin'])).stderr).toBe('');
    await writeFile(join(dir, 'small.bin'), randomBytes(1000));
    expect((await fdfs(['upload', 'small.bin'], { tty: true })).stderr).toBe('');
  });

  it('a closed stdout ends a download quietly with 141 (128 + SIGPIPE)', async () => {
    await writeFile(join(dir, 'pipe.bin'), randomBytes(3 * MB));
    const id = (await fdfs(['upload', 'pipe.bin'])).stdout.trim();
    let written = 0;
    const closedPipe = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        callback(written > 64 * 1024 ? Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) : null);
      },
    });
    const res = await fdfs(['download', id, '-'], { stdout: closedPipe });
    expect(res).toEqual({ code: 141, stdout: '', stderr: '' });
  });

  it('a write to stdout that fails otherwise (a full disk) is a failure, not a success', async () => {
    await writeFile(join(dir, 'full.txt'), 'x');
    const id = (await fdfs(['upload', 'full.txt'])).stdout.trim();
    const fullDisk = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC' }));
      },
    });
    expect(await fdfs(['info', id], { stdout: fullDisk })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'fdfs: write ENOSPC\n',
    });
  });

  it('the installed bin: `fdfs download id - | head -c 10` ends without an EPIPE stack', async () => {
    await writeFile(join(dir, 'head.bin'), randomBytes(8 * MB));
    const id = (await fdfs(['upload', 'head.bin'])).stdout.trim();
    // bin/fdfs.mjs runs the build (dist/), as an installed fdfs does; `npm test` builds first.
    expect(existsSync(join(BIN, '../../dist/cli/main.js'))).toBe(true);
    const child = spawn(process.execPath, [BIN, '--tracker', tracker, 'download', id, '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const head = await new Promise<Buffer>((resolve) => {
      child.stdout.once('data', (chunk: Buffer) => {
        child.stdout.destroy(); // what `head -c 10` does once it has its bytes
        resolve(chunk.subarray(0, 10));
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(head).toHaveLength(10);
    expect(stderr).toBe('');
    expect(code).toBe(141);
  });
});

describe('fdfs download against a storage that fails mid-transfer', () => {
  let fakeTracker: FakeFdfsServer;
  let fakeStorage: FakeFdfsServer;
  let storageAction: 'close' | 'hang' = 'close';
  const ID = 'group1/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin';

  beforeAll(async () => {
    fakeStorage = new FakeFdfsServer(() => {
      // Announce 1 MB, send 1000 bytes, then close or go silent.
      if (storageAction === 'close') return { closeMidReply: { announced: MB, partial: 1000 } };
      return { raw: Buffer.concat([encodeHeader(MB, Cmd.RESP, 0), Buffer.alloc(1000, 0x61)]) };
    });
    await fakeStorage.listen();
    fakeTracker = new FakeFdfsServer((req) =>
      req.cmd === Cmd.QUERY_FETCH_ONE
        ? {
            reply: encodeFetchResponse(
              { group: 'group1', storages: [{ host: '127.0.0.1', port: fakeStorage.port }] },
              16,
            ),
          }
        : { close: true },
    );
    await fakeTracker.listen();
  });

  afterAll(async () => {
    await fakeTracker.close();
    await fakeStorage.close();
  });

  it('a failed download keeps the old file and leaves no temporary file', async () => {
    const folder = await mkdtemp(join(dir, 'fail-'));
    await writeFile(join(folder, 'keep.bin'), 'old content');
    storageAction = 'close';
    const res = await main(['--tracker', fakeTracker.address, 'download', ID, 'keep.bin'], quietIo(folder));
    expect(res).toBe(1);
    expect(await readFile(join(folder, 'keep.bin'), 'utf8')).toBe('old content');
    expect(await readdir(folder)).toEqual(['keep.bin']);
  });

  it('Ctrl-C during a download removes the temporary file and exits 130', async () => {
    const folder = await mkdtemp(join(dir, 'sigint-'));
    storageAction = 'hang';
    const signals = new EventEmitter();
    const running = main(['--tracker', fakeTracker.address, 'download', ID, 'out.bin'], {
      ...quietIo(folder),
      signals,
    });
    // Wait until the temporary file holds the first bytes, then press Ctrl-C.
    for (let i = 0; i < 200 && (await partFiles(folder)).length === 0; i++) await sleep(25);
    expect(await partFiles(folder)).toHaveLength(1);
    expect(signals.listenerCount('SIGINT')).toBe(1);
    signals.emit('SIGINT');
    expect(await running).toBe(130);
    expect(await readdir(folder)).toEqual([]);
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });
});

function quietIo(cwd: string) {
  const sink = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });
  return { stdout: sink(), stderr: sink(), env: {}, cwd };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
