/**
 * DeleteLogWriter: group commit (one write and one fdatasync for every append that waited), the
 * rotation check before each write, and (its LogEngine, driven directly) the write repeated when a
 * rotation lands between the check and the write.
 */
import { renameSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeleteLogFullError, DeleteLogWriter, formatEntries, type DeleteEntry } from '@pic-storage/delete-log';
import { LogEngine } from '../../../libs/delete-log/src/log-engine.js';
import { entriesOf, keyOf, readLogEntries } from '../../helpers/delete-log.js';

let dir: string;
let log: string;
const writers: DeleteLogWriter[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-log-writer-'));
  log = join(dir, 'log', 'delete.log');
});

afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.close()));
  await rm(dir, { recursive: true, force: true });
});

async function opened(writer: DeleteLogWriter): Promise<DeleteLogWriter> {
  writers.push(writer);
  await writer.open();
  return writer;
}

describe('DeleteLogWriter', () => {
  it('creates the folder and writes each group as "\\n" + one line per entry', async () => {
    const writer = await opened(new DeleteLogWriter({ path: log }));
    const [a, b, c] = entriesOf(0, 3) as [DeleteEntry, DeleteEntry, DeleteEntry];
    await writer.append([a, b]);
    await writer.append([c]);
    expect(await readFile(log, 'utf8')).toBe(`\n0\t${a.fileId}\n0\t${b.fileId}\n\n0\t${c.fileId}\n`);
    expect(writer.stats).toEqual({ appends: 2, entries: 3, writes: 2, syncs: 2, reopens: 0, rewrites: 0 });
  });

  it('appends that arrive while a group is written share the next write and fdatasync', async () => {
    const writer = await opened(new DeleteLogWriter({ path: log }));
    const requests = 200;
    await Promise.all(Array.from({ length: requests }, (_, i) => writer.append(entriesOf(i * 3, 3))));
    const { appends, writes, syncs, entries } = writer.stats;
    expect(appends).toBe(requests);
    expect(entries).toBe(requests * 3);
    // All 200 were queued before the first write finished: far fewer writes and syncs than appends.
    expect(writes).toBeLessThan(requests / 4);
    expect(syncs).toBeLessThanOrEqual(writes);
    const inLog = (await readLogEntries(log)).map(keyOf).sort();
    expect(inLog).toEqual(
      entriesOf(0, requests * 3)
        .map(keyOf)
        .sort(),
    );
  });

  it('a group holds at most maxGroupBytes (but always one append)', async () => {
    const writer = await opened(new DeleteLogWriter({ path: log, maxGroupBytes: 200 }));
    await Promise.all(Array.from({ length: 10 }, (_, i) => writer.append(entriesOf(i * 4, 4))));
    // 4 entries are ~250 bytes: over the limit alone, so each append is its own group.
    expect(writer.stats.writes).toBe(10);
    expect(await readLogEntries(log)).toHaveLength(40);
  });

  it('refuses an append past maxQueuedBytes unsettled, and changes nothing for it', async () => {
    const writer = await opened(new DeleteLogWriter({ path: log, maxQueuedBytes: 400 }));
    // ~62 bytes per entry, counted until written and synced: 62 + 248 fit in 400, 248 more do not.
    const first = writer.append(entriesOf(0, 1));
    const queued = writer.append(entriesOf(1, 4));
    const refused = writer.append(entriesOf(5, 4));
    await expect(refused).rejects.toBeInstanceOf(DeleteLogFullError);
    await Promise.all([first, queued]);
    expect((await readLogEntries(log)).map(keyOf)).toEqual(entriesOf(0, 5).map(keyOf));
  });

  it('after the log is renamed away, the next group goes to a new delete.log', async () => {
    const writer = await opened(new DeleteLogWriter({ path: log }));
    await writer.append(entriesOf(0, 2));
    await rename(log, `${log}.work`);
    await writer.append(entriesOf(2, 2));
    expect((await readLogEntries(`${log}.work`)).map(keyOf)).toEqual(entriesOf(0, 2).map(keyOf));
    expect((await readLogEntries(log)).map(keyOf)).toEqual(entriesOf(2, 2).map(keyOf));
    expect(writer.stats).toMatchObject({ appends: 2, writes: 2, reopens: 1, rewrites: 0 });
  });

  it('a rename between the check and the write: the group is written again into the new log before the ack', async () => {
    /** The writer's engine, renaming the log away once after the check found it in place and before the write. */
    class RotatedMidWrite extends LogEngine {
      rotateNext = false;
      protected override writeGroup(fd: number, data: Buffer): void {
        if (this.rotateNext) {
          this.rotateNext = false;
          renameSync(log, `${log}.work`);
        }
        super.writeGroup(fd, data);
      }
    }
    const engine = new RotatedMidWrite({ path: log, sync: true, maxGroupBytes: 1 << 20 });
    engine.open();
    const append = (id: number, entries: DeleteEntry[]) => {
      const text = formatEntries(entries);
      return { id, text, bytes: Buffer.byteLength(text), entries: entries.length };
    };
    expect(engine.commit([append(1, entriesOf(0, 1))])).toEqual({ acked: [1], failed: [] });
    engine.rotateNext = true;
    expect(engine.commit([append(2, entriesOf(1, 2))])).toEqual({ acked: [2], failed: [] });
    engine.close();
    // The renamed file got the group (a reader may have read it already or not); the new log has it for sure.
    expect((await readLogEntries(`${log}.work`)).map(keyOf)).toEqual(entriesOf(0, 3).map(keyOf));
    expect((await readLogEntries(log)).map(keyOf)).toEqual(entriesOf(1, 2).map(keyOf));
    expect(engine.stats).toMatchObject({ appends: 2, writes: 3, syncs: 3, reopens: 1, rewrites: 1 });
  });

  it('a group whose log is renamed away at every write fails after 8 attempts, and nothing else does', () => {
    class AlwaysRotated extends LogEngine {
      protected override writeGroup(fd: number, data: Buffer): void {
        renameSync(log, `${log}.work`);
        super.writeGroup(fd, data);
      }
    }
    const engine = new AlwaysRotated({ path: log, sync: false, maxGroupBytes: 1 << 20 });
    engine.open();
    const text = formatEntries(entriesOf(0, 1));
    const result = engine.commit([{ id: 7, text, bytes: Buffer.byteLength(text), entries: 1 }]);
    engine.close();
    expect(result.acked).toEqual([]);
    expect(result.failed).toEqual([{ ids: [7], message: expect.stringMatching(/renamed away 8 times/) as string }]);
    expect(engine.stats).toMatchObject({ appends: 0, writes: 8, rewrites: 7 });
  });

  it('the log cannot be opened: open() fails with the reason, and so does a writer', async () => {
    await writeFile(join(dir, 'log'), 'a file where the folder should be');
    await expect(new DeleteLogWriter({ path: log }).open()).rejects.toThrow(/EEXIST|ENOTDIR|not a directory/);
  });

  it('with sync off it writes the same but never calls fdatasync', async () => {
    const writer = await opened(new DeleteLogWriter({ path: log, sync: false }));
    await Promise.all([writer.append(entriesOf(0, 1)), writer.append(entriesOf(1, 1))]);
    expect(writer.stats.syncs).toBe(0);
    expect(await readLogEntries(log)).toHaveLength(2);
  });

  it('close() writes what is queued, then refuses appends', async () => {
    const writer = new DeleteLogWriter({ path: log });
    await writer.open();
    const pending = writer.append(entriesOf(0, 5));
    await writer.close();
    await pending;
    expect(await readLogEntries(log)).toHaveLength(5);
    await expect(writer.append(entriesOf(5, 1))).rejects.toThrow(/closed/);
  });

  it('a writer thread that died is replaced by the next append, which opens the log again', async () => {
    const writer = await opened(new DeleteLogWriter({ path: log }));
    await writer.append(entriesOf(0, 1));
    const thread = (writer as unknown as { worker: Worker }).worker;
    await thread.terminate();
    await writer.append(entriesOf(1, 2));
    expect((writer as unknown as { worker: Worker }).worker).not.toBe(thread);
    expect((await readLogEntries(log)).map(keyOf)).toEqual(entriesOf(0, 3).map(keyOf));
    expect(writer.stats).toMatchObject({ appends: 2, entries: 3, syncs: 2 });
  });

  it('refuses bad limits at construction', () => {
    expect(() => new DeleteLogWriter({ path: log, maxGroupBytes: 0 })).toThrow(/maxGroupBytes/);
    expect(() => new DeleteLogWriter({ path: log, maxQueuedBytes: 1.5 })).toThrow(/maxQueuedBytes/);
  });
});
