import { open } from 'node:fs/promises';
import { isMissing } from './durable-fs.js';
import { MAX_ENTRY_LINE_LENGTH, parseEntryLine, type DeleteEntry } from './entry.js';

export interface EntryBatch {
  entries: DeleteEntry[];
  /** The offset just past the last line this batch consumed: where the next read starts. */
  end: number;
  /** Lines that hold no entry (torn fragments of a crashed write), as read (at most 160 characters each). */
  unreadable: string[];
}

const CHUNK_SIZE = 256 * 1024;
const LF = 0x0a;

/**
 * The entries of a delete-log file from byte `from`, `batchSize` at a time. Only whole lines are
 * consumed: a last line without its '\n' is a write torn by a crash or one still in progress, never
 * acknowledged, and is left where it is (not in any batch's `end`). Blank lines are skipped; a line
 * that is not an entry is reported in `unreadable`. Memory is bounded: a longer-than-an-entry line
 * is skipped up to its '\n' without being collected. A file that does not exist has no batches.
 * Bytes appended while the batches are being read are read too.
 */
export async function* readEntryBatches(path: string, from: number, batchSize: number): AsyncGenerator<EntryBatch> {
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) throw new RangeError(`batchSize must be positive`);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_SIZE);
    let position = from;
    let lineStart = from;
    let partial: Buffer[] = [];
    let partialBytes = 0;
    let overlong = false;
    let batch: EntryBatch = { entries: [], end: from, unreadable: [] };
    let yieldedEnd = from;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_SIZE, position);
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      let at = 0;
      while (at < bytesRead) {
        const lf = data.indexOf(LF, at);
        const stop = lf === -1 ? bytesRead : lf;
        if (!overlong) {
          if (partialBytes + (stop - at) > MAX_ENTRY_LINE_LENGTH) {
            overlong = true;
          } else {
            partial.push(Buffer.from(data.subarray(at, stop)));
            partialBytes += stop - at;
          }
        }
        if (lf === -1) break;
        // A whole line: [lineStart, position + lf].
        const line = overlong ? undefined : Buffer.concat(partial, partialBytes).toString('latin1');
        lineStart = position + lf + 1;
        if (line === undefined) {
          batch.unreadable.push('(a line longer than an entry)');
        } else if (line !== '') {
          const entry = parseEntryLine(line);
          if (entry === undefined) batch.unreadable.push(line);
          else batch.entries.push(entry);
        }
        batch.end = lineStart;
        partial = [];
        partialBytes = 0;
        overlong = false;
        at = lf + 1;
        if (batch.entries.length >= batchSize) {
          yield batch;
          yieldedEnd = batch.end;
          batch = { entries: [], end: lineStart, unreadable: [] };
        }
      }
      position += bytesRead;
    }
    if (batch.entries.length > 0 || batch.unreadable.length > 0 || batch.end > yieldedEnd) yield batch;
  } finally {
    await handle.close();
  }
}

/** How many entries `readEntryBatches(path, from)` would give now. */
export async function countEntries(path: string, from: number): Promise<number> {
  let count = 0;
  for await (const batch of readEntryBatches(path, from, 4096)) count += batch.entries.length;
  return count;
}
