import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { writeWithBackpressure } from '@pic-storage/framing';
import { Cmd, encodeHeader, Errno, HEADER_SIZE } from 'fastdfs-protocol';

export interface Reply {
  status?: number;
  body?: Buffer;
  /**
   * Instead of `body`: a buffer whose first HEADER_SIZE bytes are free, the body after them. The
   * header is written into them and all goes out in one write without copying the body (downloads).
   */
  framed?: Buffer;
  /** Content sent from disk after the header (downloads): exactly `length` bytes from `start`. */
  file?: { path: string; start: number; length: number };
}

/**
 * Small files (most pictures) go out as one buffer: the header and one positioned read. A
 * read stream per request costs more than the read itself at this size.
 */
const SMALL_FILE_BYTES = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Writes a reply: header `pkg_len, 100, status` and body in one write. A failed request
 * (status ≠ 0) has no body. Every write waits for 'drain', at most `timeoutMs`.
 */
export async function writeReply(socket: Socket, reply: Reply, timeoutMs: number): Promise<void> {
  const status = reply.status ?? 0;
  if (reply.file !== undefined && status === 0) return writeFile(socket, reply.file, timeoutMs);
  if (reply.framed !== undefined && status === 0) {
    encodeHeader(reply.framed.length - HEADER_SIZE, Cmd.RESP, 0).copy(reply.framed, 0);
    return writeWithBackpressure(socket, reply.framed, timeoutMs);
  }
  const body = status === 0 ? (reply.body ?? EMPTY) : EMPTY;
  const header = encodeHeader(body.length, Cmd.RESP, status);
  await writeWithBackpressure(socket, body.length === 0 ? header : Buffer.concat([header, body]), timeoutMs);
}

async function writeFile(socket: Socket, file: NonNullable<Reply['file']>, timeoutMs: number): Promise<void> {
  const { path, start, length } = file;
  if (length <= SMALL_FILE_BYTES) {
    let payload: Buffer;
    try {
      payload = await readWithHeader(path, start, length);
    } catch (err) {
      // Deleted since the handler saw it: nothing is written yet, so say so.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      payload = encodeHeader(0, Cmd.RESP, Errno.ENOENT);
    }
    await writeWithBackpressure(socket, payload, timeoutMs);
    return;
  }
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

async function readWithHeader(path: string, start: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + length);
  encodeHeader(length, Cmd.RESP, 0).copy(buf, 0);
  const file = await open(path, 'r');
  try {
    for (let read = 0; read < length;) {
      const { bytesRead } = await file.read(buf, HEADER_SIZE + read, length - read, start + read);
      if (bytesRead === 0) throw new Error(`file ${path} shrank while being read (${read} of ${length} bytes)`);
      read += bytesRead;
    }
  } finally {
    await file.close();
  }
  return buf;
}
