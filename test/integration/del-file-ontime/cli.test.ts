/**
 * del_file_ontime in process (main(argv, io)) against a fake cs_del_svr made with FrameServer:
 * every entry sent once, failures kept for the next run, entries logged during a run left for the
 * next, a backend that is down or silent stops the run without losing anything, the lock, the
 * usage errors and the output.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResultCode } from '@pic-storage/frame-protocol';
import { DeleteLogWriter } from '@pic-storage/delete-log';
import { main } from '../../../apps/del-file-ontime/src/main.js';
import { entriesOf, keyOf, startFakeBatchDelete, type FakeBatchDelete } from '../../helpers/delete-log.js';

let dir: string;
let log: string;
let writer: DeleteLogWriter;
let fake: FakeBatchDelete;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-del-file-ontime-'));
  log = join(dir, 'delete.log');
  writer = new DeleteLogWriter({ path: log });
  await writer.open();
  fake = await startFakeBatchDelete();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await writer.close();
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[], tty = false): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: tty, columns: 100 },
  });
  return { code, stdout, stderr };
}

const run = (...flags: string[]) => cli([...flags, log, `127.0.0.1:${fake.port}`]);
const sent = () => fake.batches.flat().map(keyOf);

describe('del_file_ontime', () => {
  it('sends every entry once, in batches of --batch, and exits 0', async () => {
    const entries = entriesOf(0, 250);
    await writer.append(entries.slice(0, 120));
    await writer.append(entries.slice(120));
    const result = await run('--batch', '100');
    expect(result).toEqual({ code: 0, stdout: 'deleted 250, failed 0, kept for the next run: 0\n', stderr: '' });
    expect(fake.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(sent()).toEqual(entries.map(keyOf));
  });

  it('failed entries are kept, exit 1; the next run sends them again', async () => {
    const entries = entriesOf(0, 40);
    await writer.append(entries);
    for (const i of [2, 9, 33]) fake.failing.set(entries[i]!.fileId, ResultCode.STORAGE_UNAVAILABLE);
    const first = await run();
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('deleted 37, failed 3, kept for the next run: 3\n');
    fake.failing.clear();
    fake.batches.length = 0;
    const second = await run('--json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({
      deleted: 3,
      failed: 0,
      kept: 0,
      unreadable: 0,
      batches: 1,
      resumed: false,
      stopped: null,
    });
    expect(sent()).toEqual([2, 9, 33].map((i) => keyOf(entries[i]!)));
  });

  it('entries logged while a run is in progress are sent by the next run', async () => {
    await writer.append(entriesOf(0, 30));
    fake.hang = true;
    const running = run('--batch', '10');
    await fake.waitForBatches(1);
    await writer.append(entriesOf(100, 5)); // del_svr follows the rotation: into a new delete.log
    fake.hang = false;
    fake.release();
    expect((await running).stdout).toBe('deleted 30, failed 0, kept for the next run: 0\n');
    expect(sent()).toEqual(entriesOf(0, 30).map(keyOf));
    fake.batches.length = 0;
    expect((await run()).stdout).toBe('deleted 5, failed 0, kept for the next run: 0\n');
    expect(sent()).toEqual(entriesOf(100, 5).map(keyOf));
  });

  it('a whole-request refusal caused by one entry fails that entry alone', async () => {
    const entries = entriesOf(0, 5);
    await writer.append(entries);
    const poison = entries[3]!.fileId;
    fake.refuse = (batch) => (batch.some((e) => e.fileId === poison) ? ResultCode.BAD_ARGUMENT : undefined);
    const result = await run();
    expect(result.stdout).toBe('deleted 4, failed 1, kept for the next run: 1\n');
    expect(result.code).toBe(1);
    // The batch, then each entry alone.
    expect(fake.batches.map((b) => b.length)).toEqual([5, 1, 1, 1, 1, 1]);
  });

  it('BACKEND_UNAVAILABLE stops the run: nothing lost, everything sent next run', async () => {
    await writer.append(entriesOf(0, 25));
    fake.refuse = () => ResultCode.BACKEND_UNAVAILABLE;
    const first = await run('--batch', '10');
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/^del_file_ontime: stopped: 127\.0\.0\.1:\d+ answered 1010 BACKEND_UNAVAILABLE/);
    expect(first.stdout).toBe('deleted 0, failed 0, kept for the next run: 25\n');
    fake.refuse = undefined;
    fake.batches.length = 0;
    expect((await run('--batch', '10')).stdout).toBe(
      'deleted 25, failed 0, kept for the next run: 0 (finished an interrupted run first)\n',
    );
    expect(sent()).toEqual(entriesOf(0, 25).map(keyOf));
  });

  it('no response within --timeout stops the run; that batch is sent again next run', async () => {
    await writer.append(entriesOf(0, 20));
    fake.hang = true;
    const first = await run('--batch', '10', '--timeout', '1');
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/stopped: .*no response from 127\.0\.0\.1:\d+ in 1000 ms/);
    expect(first.stdout).toBe('deleted 0, failed 0, kept for the next run: 20\n');
    fake.hang = false;
    fake.release();
    fake.batches.length = 0;
    expect((await run('--batch', '10')).code).toBe(0);
    expect(sent()).toEqual(entriesOf(0, 20).map(keyOf));
  });

  it('nothing listening at the address: stopped, exit 1, the log kept whole', async () => {
    await writer.append(entriesOf(0, 3));
    const port = fake.port;
    await fake.stop();
    const result = await cli([log, `127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stopped: cmd 3030 to 127\.0\.0\.1:\d+: cannot connect/);
    expect(result.stdout).toBe('deleted 0, failed 0, kept for the next run: 3\n');
  });

  it('another run holding the lock: exit 75, nothing sent', async () => {
    await writer.append(entriesOf(0, 3));
    await writeFile(`${log}.lock`, `${process.ppid}\ntoken\n`);
    const result = await run();
    expect(result.code).toBe(75);
    expect(result.stderr).toBe(
      `del_file_ontime: ${log}.lock is held by process ${process.ppid}: another run is in progress\n`,
    );
    expect(result.stdout).toBe('');
    expect(fake.batches).toEqual([]);
  });

  it('a progress bar on a terminal, erased before the summary; nothing on a pipe for a short run', async () => {
    await writer.append(entriesOf(0, 30));
    const onTty = await cli(['--batch', '10', log, `127.0.0.1:${fake.port}`], true);
    expect(onTty.stderr).toContain('\r\x1b[K[');
    expect(onTty.stderr).toMatch(/\d+\/30 entries {2}\d+%/);
    expect(onTty.stderr.endsWith('\r\x1b[K')).toBe(true);
    await writer.append(entriesOf(100, 30));
    expect((await cli(['--batch', '10', log, `127.0.0.1:${fake.port}`])).stderr).toBe('');
  });
});

describe('del_file_ontime, interrupted and with torn lines', () => {
  it('SIGINT stops the run after closing the connection: exit 1, everything unanswered kept', async () => {
    await writer.append(entriesOf(0, 30));
    fake.hang = true;
    const signals = new EventEmitter();
    let stderr = '';
    let stdout = '';
    const running = main(['--batch', '10', log, `127.0.0.1:${fake.port}`], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      signals,
    });
    await fake.waitForBatches(1);
    signals.emit('SIGINT');
    expect(await running).toBe(1);
    expect(stderr).toBe('del_file_ontime: stopped: interrupted by SIGINT\n');
    expect(stdout).toBe('deleted 0, failed 0, kept for the next run: 30\n');
    expect(fake.batches).toHaveLength(1);
  });

  it('a line torn by a crash is named on stderr, counted, and skipped', async () => {
    await writer.close();
    const [a, b] = entriesOf(0, 2);
    await writeFile(log, `\n0\t${a!.fileId}\n0\tg01/M00/00\n0\t${b!.fileId}\n`);
    writer = new DeleteLogWriter({ path: log });
    await writer.open();
    const result = await run();
    expect(result.stderr).toBe(`del_file_ontime: ${log}.work: skipped a line that is not an entry: "0\\tg01/M00/00"\n`);
    expect(result.stdout).toBe('deleted 2, failed 0, kept for the next run: 0, unreadable lines skipped: 1\n');
    expect(result.code).toBe(0);
  });
});

describe('del_file_ontime command line', () => {
  it.each([
    [[], /expected <delete.log> <host:port>, got 0/],
    [['delete.log'], /expected <delete.log> <host:port>, got 1/],
    [['a', 'b', 'c'], /got 3/],
    [['delete.log', 'localhost'], /"localhost" is not host:port/],
    [['delete.log', 'h:0'], /"h:0" is not host:port/],
    [['delete.log', 'h:70000'], /is not host:port/],
    [['--batch', '0', 'delete.log', 'h:1'], /--batch must be an integer from 1 to 4096, got "0"/],
    [['--batch', '4097', 'delete.log', 'h:1'], /--batch must be an integer from 1 to 4096/],
    [['--timeout', 'soon', 'delete.log', 'h:1'], /--timeout must be an integer from 1 to 3600/],
    [['--frobnicate', 'delete.log', 'h:1'], /Unknown option '--frobnicate'/],
    [['--batch'], /--batch/],
  ])('%j: exit 2 with the usage line', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('usage: del_file_ontime [options] <delete.log> <host:port>');
    expect(result.stdout).toBe('');
  });

  it('--help prints the usage and the exit statuses; --version the version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: del_file_ontime/);
    expect(help.stdout).toContain('75 another run holds the lock');
    const version = await cli(['--version']);
    expect(version).toEqual({ code: 0, stdout: 'del_file_ontime 0.1.0\n', stderr: '' });
  });

  it('an [IPv6]:port address is taken', async () => {
    await writer.append(entriesOf(0, 1));
    const result = await cli([log, '[::1]:1']);
    // Nothing listens there: the address was parsed and tried.
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot connect to ::1:1/);
  });

  it('a bad conf file: exit 78 naming file, line and key', async () => {
    await writeFile(join(dir, 'del-file-ontime.conf'), 'batch_sise = 10\n');
    vi.stubEnv('PIC_CONF_DIR', dir);
    const result = await run();
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/del-file-ontime\.conf:1: unknown key "batch_sise" \(did you mean batch_size\?\)/);
  });
});
