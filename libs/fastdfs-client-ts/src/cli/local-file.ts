import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { CommandContext } from './command.js';

export interface LocalSource {
  size: number;
  /** Opened when first read; counts into the progress line and stops on Ctrl-C. */
  chunks: AsyncIterable<Buffer>;
}

/** A local file to upload or append, checked before any request is sent. */
export async function openLocalFile(ctx: CommandContext, file: string): Promise<LocalSource> {
  const path = resolve(ctx.io.cwd, file);
  // Local problems are reported plainly, without an FDFS_ERR code: FastDFS is not involved.
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file}: ${err.code ?? err.message}`);
  });
  if (!info.isFile()) throw new Error(`cannot read ${file}: not a regular file`);
  const { signal } = ctx;
  const progress = ctx.progress(basename(file), info.size);
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(path)) {
      signal.throwIfAborted();
      progress?.add((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  }
  return { size: info.size, chunks: chunks() };
}
