import { createReadStream } from 'node:fs';
import type { Socket } from 'node:net';
import { writeWithBackpressure } from '@pic-storage/framing';
import { Cmd, encodeHeader } from 'fastdfs-protocol';

export interface Reply {
  status?: number;
  body?: Buffer;
  /**
   * Instead of `body`: the whole reply, header and body, sent as is in one write (downloads). It
   * may be shared with other replies (Store.readRange), so it is never written to.
   */
  framed?: Buffer;
  /** Content streamed from disk after the header (downloads too large to read whole): `length` bytes from `start`. */
  file?: { path: string; start: number; length: number };
}

const EMPTY = Buffer.alloc(0);

/**
 * Writes a reply: header `pkg_len, 100, status` and body in one write. A failed request
 * (status ≠ 0) has no body. Every write waits for 'drain', at most `timeoutMs`.
 */
export async function writeReply(socket: Socket, reply: Reply, timeoutMs: number): Promise<void> {
  const status = reply.status ?? 0;
  if (reply.file !== undefined && status === 0) return writeFile(socket, reply.file, timeoutMs);
  if (reply.framed !== undefined && status === 0) return writeWithBackpressure(socket, reply.framed, timeoutMs);
  const body = status === 0 ? (reply.body ?? EMPTY) : EMPTY;
  const header = encodeHeader(body.length, Cmd.RESP, status);
  await writeWithBackpressure(socket, body.length === 0 ? header : Buffer.concat([header, body]), timeoutMs);
}

/** A large file (the download handler reads small ones into a `framed` reply): the header, then the file streamed. */
async function writeFile(socket: Socket, file: NonNullable<Reply['file']>, timeoutMs: number): Promise<void> {
  const { path, start, length } = file;
  await writeWithBackpressure(socket, encodeHeader(length, Cmd.RESP, 0), timeoutMs);
  let sent = 0;
  for await (const chunk of createReadStream(path, { start, end: start + length - 1, highWaterMark: 256 * 1024 })) {
    const buf = chunk as Buffer;
    sent += buf.length;
    await writeWithBackpressure(socket, buf, timeoutMs);
  }
  // The header promised `length` bytes: if the file shrank meanwhile the stream cannot be resynchronised.
  if (sent !== length) throw new Error(`file ${path} shrank while being sent (${sent} of ${length} bytes)`);
}
