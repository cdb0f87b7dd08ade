/**
 * readEntryBatches: whole lines only (a torn tail stays unread), blank lines skipped, fragments
 * reported, offsets that resume exactly, bounded memory on a line with no end.
 */
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countEntries, formatEntries, readEntryBatches, type EntryBatch } from '@pic-storage/delete-log';
import { entriesOf } from '../../helpers/delete-log.js';

let dir: string;
let log: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-entry-reader-'));
  log = join(dir, 'delete.log');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function batches(from: number, size: number): Promise<EntryBatch[]> {
  const out: EntryBatch[] = [];
  for await (const batch of readEntryBatches(log, from, size)) out.push(batch);
  return out;
}

describe('readEntryBatches', () => {
  it('gives every entry once, batch by batch, each batch ending at a line end', async () => {
    const entries = entriesOf(0, 25);
    const text = `\n${formatEntries(entries.slice(0, 10))}\n${formatEntries(entries.slice(10))}`;
    await writeFile(log, text);
    const got = await batches(0, 10);
    expect(got.map((b) => b.entries.length)).toEqual([10, 10, 5]);
    expect(got.flatMap((b) => b.entries)).toEqual(entries);
    for (const batch of got) expect(text[batch.end - 1]).toBe('\n');
    expect(got.at(-1)?.end).toBe(Buffer.byteLength(text));
    // Resuming at a batch's end gives exactly what followed it.
    const rest = await batches(got[0]!.end, 100);
    expect(rest.flatMap((b) => b.entries)).toEqual(entries.slice(10));
  });

  it('leaves a torn last line unread, and reads it once its write completes', async () => {
    const [a, b] = entriesOf(0, 2) as [ReturnType<typeof entriesOf>[0], ReturnType<typeof entriesOf>[0]];
    const whole = formatEntries([a]);
    const torn = formatEntries([b]).slice(0, 20);
    await writeFile(log, `\n${whole}${torn}`);
    const first = await batches(0, 10);
    expect(first.flatMap((x) => x.entries)).toEqual([a]);
    expect(first.flatMap((x) => x.unreadable)).toEqual([]);
    expect(first.at(-1)?.end).toBe(1 + whole.length);
    await appendFile(log, formatEntries([b]).slice(20));
    const second = await batches(first.at(-1)!.end, 10);
    expect(second.flatMap((x) => x.entries)).toEqual([b]);
  });

  it('a fragment left by a crash is its own line: reported, and the next write is read whole', async () => {
    const [a, b] = entriesOf(0, 2);
    // A torn write, then the next group write (which starts with '\n').
    await writeFile(log, `${formatEntries([a!]).slice(0, 17)}\n${formatEntries([b!])}`);
    const got = await batches(0, 10);
    expect(got.flatMap((x) => x.entries)).toEqual([b]);
    expect(got.flatMap((x) => x.unreadable)).toEqual([formatEntries([a!]).slice(0, 17)]);
  });

  it('skips a long run of NUL bytes without holding it, and reads on', async () => {
    const [a] = entriesOf(7, 1);
    await writeFile(log, Buffer.concat([Buffer.alloc(600_000), Buffer.from(`\n${formatEntries([a!])}`)]));
    const got = await batches(0, 10);
    expect(got.flatMap((x) => x.entries)).toEqual([a]);
    expect(got.flatMap((x) => x.unreadable)).toEqual(['(a line longer than an entry)']);
  });

  it('a missing file has no batches; counting counts what batches give', async () => {
    expect(await batches(0, 10)).toEqual([]);
    await writeFile(log, `\n${formatEntries(entriesOf(0, 1234))}garbage\n\n`);
    expect(await countEntries(log, 0)).toBe(1234);
  });

  it('a batch size that is not a positive integer is refused', async () => {
    await expect(batches(0, 0)).rejects.toThrow(RangeError);
  });
});
