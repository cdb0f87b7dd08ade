/**
 * drainDeleteLog with an in-process sender: every entry sent once, failures kept and sent by the
 * next run (not the same one), a stopped run resumed from its progress, the cycle files removed at
 * the end, and the run lock.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DeleteLogWriter,
  DrainStoppedError,
  RunLockedError,
  drainDeleteLog,
  formatEntries,
  type BatchSender,
  type DeleteEntry,
} from '@pic-storage/delete-log';
import { entriesOf, keyOf } from '../../helpers/delete-log.js';

let dir: string;
let log: string;
let writer: DeleteLogWriter;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-drain-'));
  log = join(dir, 'delete.log');
  writer = new DeleteLogWriter({ path: log });
  await writer.open();
});

afterEach(async () => {
  await writer.close();
  await rm(dir, { recursive: true, force: true });
});

/** Records every batch; answers `failing` ids with 1004, throws DrainStoppedError at batch `stopAt`. */
function recorder(options: { failing?: Set<string>; stopAt?: number } = {}) {
  const batches: DeleteEntry[][] = [];
  const send: BatchSender = async (entries) => {
    if (options.stopAt !== undefined && batches.length === options.stopAt) {
      throw new DrainStoppedError('backend unreachable');
    }
    batches.push([...entries]);
    return entries.map((e) => (options.failing?.has(e.fileId) ? 1004 : 0));
  };
  return { batches, send, sent: () => batches.flat().map(keyOf) };
}

const drain = (send: BatchSender, batchSize = 10) => drainDeleteLog({ logPath: log, batchSize, send });

/** The built LogEngine: what a DeleteLogWriter's thread runs (a worker thread loads JavaScript). */
const ENGINE_URL = pathToFileURL(join(import.meta.dirname, '../../../libs/delete-log/dist/log-engine.js')).href;

/**
 * A worker thread running a LogEngine whose writes wait while `gate` holds 1 (saying 'stalled'
 * first): one commit per message, its result and counters answered.
 */
const STALLED_ENGINE = `
const { parentPort, workerData } = require('node:worker_threads');
const { engine: url, gate, options } = workerData;
import(url).then(({ LogEngine }) => {
  class Stalled extends LogEngine {
    writeGroup(fd, data) {
      if (Atomics.load(gate, 0) === 1) {
        parentPort.postMessage('stalled');
        Atomics.wait(gate, 0, 1);
      }
      super.writeGroup(fd, data);
    }
  }
  const engine = new Stalled(options);
  engine.open();
  parentPort.on('message', (append) => {
    parentPort.postMessage({ result: engine.commit([append]), stats: engine.stats });
  });
  parentPort.postMessage('open');
});
`;

describe('drainDeleteLog', () => {
  it('sends every entry once in batches and leaves only a fresh delete.log behind', async () => {
    const entries = entriesOf(0, 95);
    for (let i = 0; i < 95; i += 19) await writer.append(entries.slice(i, i + 19));
    const r = recorder();
    const summary = await drain(r.send);
    expect(summary).toEqual({ deleted: 95, failed: 0, kept: 0, unreadable: 0, batches: 10, resumed: false });
    expect(r.sent()).toEqual(entries.map(keyOf));
    expect(r.batches.every((b) => b.length <= 10)).toBe(true);
    // del_svr writes on: into a new delete.log
    await writer.append(entriesOf(1000, 1));
    expect(await readdir(dir)).toEqual(['delete.log']);
  });

  it('an empty or missing log is a run with nothing to send', async () => {
    const r = recorder();
    expect(await drain(r.send)).toMatchObject({ deleted: 0, failed: 0, kept: 0, batches: 0 });
    await rm(log, { force: true }); // rotated away by the first run already
    expect(await drain(r.send)).toMatchObject({ deleted: 0, kept: 0 });
    expect(r.batches).toEqual([]);
  });

  it('failed entries are kept and sent by the next run, not again by the same one', async () => {
    const entries = entriesOf(0, 30);
    await writer.append(entries);
    const failing = new Set([entries[3]!.fileId, entries[17]!.fileId]);
    const first = recorder({ failing });
    expect(await drain(first.send)).toMatchObject({ deleted: 28, failed: 2, kept: 2 });
    expect(first.sent()).toEqual(entries.map(keyOf));
    // The next run: the two again (now they succeed), then what was logged since.
    await writer.append(entriesOf(100, 3));
    const second = recorder();
    expect(await drain(second.send)).toMatchObject({ deleted: 5, failed: 0, kept: 0, resumed: false });
    expect(second.sent()).toEqual([entries[3]!, entries[17]!, ...entriesOf(100, 3)].map(keyOf));
  });

  it('a stopped run keeps the rest; the next run resumes after the last recorded batch', async () => {
    const entries = entriesOf(0, 50);
    await writer.append(entries);
    const first = recorder({ stopAt: 2, failing: new Set([entries[5]!.fileId]) });
    const stopped = await drain(first.send);
    expect(stopped).toMatchObject({ deleted: 19, failed: 1, kept: 31, stopped: 'backend unreachable' });
    expect(JSON.parse(await readFile(`${log}.progress`, 'utf8'))).toMatchObject({ retry: 0 });
    // Logged meanwhile: del_svr sees the rotation and writes a new delete.log, for the cycle after the resumed one.
    await writer.append(entriesOf(500, 2));
    const second = recorder();
    const resumed = await drain(second.send);
    // The 30 unsent, then the cycle of the new log. The failure of the stopped run waits for the next run.
    expect(resumed).toMatchObject({ deleted: 32, failed: 0, kept: 1, resumed: true });
    expect(second.sent()).toEqual([...entries.slice(20), ...entriesOf(500, 2)].map(keyOf));
    const third = recorder();
    expect(await drain(third.send)).toMatchObject({ deleted: 1, kept: 0, resumed: false });
    expect(third.sent()).toEqual([keyOf(entries[5]!)]);
  });

  it('failures appended by a batch whose progress was never recorded are cut off on resume', async () => {
    const entries = entriesOf(0, 20);
    await writer.append(entries);
    const failing = new Set([entries[12]!.fileId]);
    // A run killed after appending batch 2's failure but before recording batch 2: simulated by a
    // sender that fails entry 12 and then throws an error that is not a stop (the run aborts).
    let calls = 0;
    const crashing: BatchSender = async (batch) => {
      calls++;
      if (calls === 3) throw new Error('killed');
      return batch.map((e) => (failing.has(e.fileId) ? 1004 : 0));
    };
    await expect(drain(crashing, 5)).rejects.toThrow('killed');
    // Batches 1, 2 recorded (entries 0-9); batch 3 (10-14) was sent but not recorded.
    await writeFile(`${log}.failed`, `\n0\t${entries[12]!.fileId}\n`, { flag: 'a' }); // its failure, unrecorded
    const second = recorder({ failing });
    const summary = await drain(second.send, 5);
    expect(second.sent()).toEqual(entries.slice(10).map(keyOf));
    // Entry 12 counted once, kept once.
    expect(summary).toMatchObject({ deleted: 9, failed: 1, kept: 1, resumed: true });
    const failedLines = (await readFile(`${log}.failed`, 'utf8')).split('\n').filter((l) => l !== '');
    expect(failedLines).toEqual([`0\t${entries[12]!.fileId}`]);
  });

  it('a writer stalled between its check and its write for a whole drain: its entries reach the next drain', async () => {
    // A del_svr whose writer thread is descheduled after it found delete.log in place: its engine,
    // on a thread of its own, held before its next write until released.
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const stalled = new Worker(STALLED_ENGINE, {
      eval: true,
      workerData: { engine: ENGINE_URL, gate, options: { path: log, sync: true, maxGroupBytes: 1 << 20 } },
    });
    const replies: unknown[] = [];
    let wake: (() => void) | undefined;
    stalled.on('message', (message: unknown) => {
      replies.push(message);
      wake?.();
    });
    const next = async (): Promise<unknown> => {
      while (replies.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return replies.shift();
    };
    const commit = (id: number, entries: DeleteEntry[]) => {
      const text = formatEntries(entries);
      stalled.postMessage({ id, text, bytes: Buffer.byteLength(text), entries: entries.length });
    };
    try {
      expect(await next()).toBe('open');
      commit(1, entriesOf(0, 1));
      expect(await next()).toMatchObject({ result: { acked: [1], failed: [] } });
      Atomics.store(gate, 0, 1);
      commit(2, entriesOf(1, 1));
      expect(await next()).toBe('stalled'); // it has checked the path and waits at the write
      const first = recorder();
      await drain(first.send); // renames, reads and removes the file the stalled writer holds
      expect(first.sent()).toEqual(entriesOf(0, 1).map(keyOf));
      Atomics.store(gate, 0, 0);
      Atomics.notify(gate, 0); // the write lands in the removed file; the check after it sees that, and writes it again
      expect(await next()).toMatchObject({ result: { acked: [2], failed: [] }, stats: { rewrites: 1 } });
      const second = recorder();
      await drain(second.send);
      expect(second.sent()).toEqual(entriesOf(1, 1).map(keyOf));
    } finally {
      await stalled.terminate();
    }
  });

  it('refuses a batch size outside 1..4096', async () => {
    await expect(drain(recorder().send, 0)).rejects.toThrow(RangeError);
    await expect(drain(recorder().send, 4097)).rejects.toThrow(RangeError);
  });
});

describe('the run lock', () => {
  it('a lock held by a live process refuses the run and changes nothing', async () => {
    await writer.append(entriesOf(0, 3));
    await writeFile(`${log}.lock`, `${process.ppid}\nsome-token\n`);
    const r = recorder();
    const err = await drain(r.send).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunLockedError);
    expect((err as RunLockedError).pid).toBe(process.ppid);
    expect(r.batches).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['delete.log', 'delete.log.lock']);
  });

  it('a second run in this process is refused while the first one runs, with the message del_file_ontime prints', async () => {
    await writer.append(entriesOf(0, 3));
    let unblock = () => {};
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    let started = () => {};
    const sending = new Promise<void>((resolve) => (started = resolve));
    const first = drain(async (entries) => {
      started();
      await blocked;
      return entries.map(() => 0);
    });
    await sending;
    const err = await drain(recorder().send).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunLockedError);
    expect((err as RunLockedError).message).toBe(
      `${log}.lock is held by process ${process.pid}: another run is in progress`,
    );
    unblock();
    expect(await first).toMatchObject({ deleted: 3 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('a lock left by a dead process is taken over, and released at the end', async () => {
    await writer.append(entriesOf(0, 3));
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    await writeFile(`${log}.lock`, `${deadPid}\nold-token\n`);
    const r = recorder();
    expect(await drain(r.send)).toMatchObject({ deleted: 3 });
    expect(await readdir(dir)).toEqual([]); // no lock left (and no delete.log until del_svr writes again)
  });

  it('the lock folder must exist: a clear error, nothing created', async () => {
    const missing = join(dir, 'nope', 'delete.log');
    await expect(drainDeleteLog({ logPath: missing, batchSize: 10, send: recorder().send })).rejects.toThrow(
      `${join(dir, 'nope')} does not exist: is ${missing} the log del_svr writes?`,
    );
    expect(await readdir(dir)).toEqual(['delete.log']);
  });
});
