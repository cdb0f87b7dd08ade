import { open, read, type Stats, stat, write } from 'node:fs';

/*
 * The file calls of the storage's hot paths, on raw descriptors. A call through libuv's thread pool
 * goes by the callback API: fs/promises would wrap the descriptor in a FileHandle, whose close is
 * one more round trip to the pool. The callers make the calls that only touch the in-memory inode
 * (fstat, and close of a descriptor they created or only read) inline, as sync calls: each is a
 * plain syscall, cheaper than one round trip to the pool and back (a futex wake of a pool thread,
 * an eventfd write, an epoll wake-up: some 20 µs of the event loop's time and more in latency on
 * a small VM, against a few µs).
 */

/** The calls of a small read or write (and of the stat checking a kept file), inline (sync) or in the thread pool. */
export interface FileCalls {
  open(path: string, flags: number | string): number | Promise<number>;
  stat(path: string): Stats | Promise<Stats>;
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number | Promise<number>;
  write(fd: number, data: Uint8Array, offset: number, length: number, position: number): number | Promise<number>;
}

/** Whatever picks the calls for the next operation (InlineCalls, or the thread pool's always). */
export interface CallPicker {
  pick(): FileCalls;
}

export function openFd(path: string, flags: number | string): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, flags, 0o666, (err, fd) => (err === null ? resolve(fd) : reject(err)));
  });
}

/** Every call through the thread pool. */
export const POOLED_CALLS: FileCalls & CallPicker = {
  open: openFd,
  stat: (path) =>
    new Promise((resolve, reject) => {
      stat(path, (err, st) => (err === null ? resolve(st) : reject(err)));
    }),
  read: (fd, buf, offset, length, position) =>
    new Promise((resolve, reject) => {
      read(fd, buf, offset, length, position, (err, n) => (err === null ? resolve(n) : reject(err)));
    }),
  write: (fd, data, offset, length, position) =>
    new Promise((resolve, reject) => {
      write(fd, data, offset, length, position, (err, n) => (err === null ? resolve(n) : reject(err)));
    }),
  pick: () => POOLED_CALLS,
};

/** Writes all of `data` at `position` (a short write is continued). */
export async function writeAll(calls: FileCalls, fd: number, data: Uint8Array, position: number): Promise<void> {
  for (let off = 0; off < data.length;) {
    off += await calls.write(fd, data, off, data.length - off, position + off);
  }
}

/** Fills `buf` from `offset` on with the bytes at `position`; fewer only at the end of the file. Returns the count. */
export async function readFully(
  calls: FileCalls,
  fd: number,
  buf: Uint8Array,
  offset: number,
  position: number,
): Promise<number> {
  const length = buf.length - offset;
  let got = 0;
  while (got < length) {
    const n = await calls.read(fd, buf, offset + got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}
