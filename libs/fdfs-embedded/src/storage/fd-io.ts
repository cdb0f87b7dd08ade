import { open, read, write } from 'node:fs';

/*
 * The file calls of the storage's hot paths, on raw descriptors. A call that may wait for the disk
 * (a path lookup or create, a read, a write) goes to libuv's thread pool, through the callback API:
 * fs/promises would wrap the descriptor in a FileHandle, whose close is one more thread-pool round
 * trip. The callers use the sync calls that only touch the in-memory inode (fstat, and close of a
 * descriptor they created or only read): each is a plain syscall, cheaper than a round trip to the
 * pool and back (a futex wake, an eventfd write, an epoll wake-up).
 */

export function openFd(path: string, flags: string | number): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, flags, 0o666, (err, fd) => (err === null ? resolve(fd) : reject(err)));
  });
}

/** Writes all of `data` at `position` (a short write is continued). */
export async function writeAll(fd: number, data: Uint8Array, position: number): Promise<void> {
  for (let off = 0; off < data.length; ) {
    off += await new Promise<number>((resolve, reject) => {
      write(fd, data, off, data.length - off, position + off, (err, n) => (err === null ? resolve(n) : reject(err)));
    });
  }
}

/** Reads `length` bytes at `position` into `buf` at `offset`; fewer only at the end of the file. Returns the count. */
export async function readFully(
  fd: number,
  buf: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  let got = 0;
  while (got < length) {
    const n = await new Promise<number>((resolve, reject) => {
      read(fd, buf, offset + got, length - got, position + got, (err, bytes) =>
        err === null ? resolve(bytes) : reject(err),
      );
    });
    if (n === 0) break;
    got += n;
  }
  return got;
}
