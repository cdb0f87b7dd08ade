import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ProgressLine } from './progress.js';

export interface AtomicWriteOptions {
  signal: AbortSignal;
  progress?: ProgressLine;
  /** The temporary file is added here while it exists, for whoever cleans up after an interrupt. */
  tempFiles: Set<string>;
}

/**
 * Writes `source` to `.<name>.<random>.part` beside `target`, then renames it over `target`: a
 * download that fails or is interrupted never leaves a truncated file under the final name (the
 * rename is atomic within one folder), and the temporary file is removed.
 */
export async function writeFileAtomically(
  target: string,
  source: Readable,
  options: AtomicWriteOptions,
): Promise<void> {
  // The name is cut so that the temporary one stays within NAME_MAX (255 bytes) too.
  const temp = join(dirname(target), `.${basename(target).slice(0, 200)}.${randomBytes(4).toString('hex')}.part`);
  options.tempFiles.add(temp);
  try {
    // 'wx': never reuse a file that happens to exist under the temporary name.
    await pipeline(source, counter(options.progress), createWriteStream(temp, { flags: 'wx' }), {
      signal: options.signal,
    });
    await rename(temp, target);
  } catch (err) {
    const failure = err as NodeJS.ErrnoException;
    // EEXIST: the name was taken before us, so the file there is not ours to remove.
    if (failure.code !== 'EEXIST') await rm(temp, { force: true });
    // Name the target the user gave, not the temporary file, when the folder refuses it.
    if (failure.path === temp) throw new Error(`cannot write ${target}: ${failure.code ?? failure.message}`);
    throw err;
  } finally {
    options.tempFiles.delete(temp);
  }
}

/** A pass-through that counts bytes into the progress line. */
export function counter(progress: ProgressLine | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      progress?.add(chunk.length);
      callback(null, chunk);
    },
  });
}
