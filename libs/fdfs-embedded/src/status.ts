import { FdfsError } from 'fastdfs-client-ts/errors';

/**
 * The status byte of a FastDFS reply is a Linux errno. Handlers throw StatusError to answer
 * with one; anything else thrown is mapped through `statusOf`.
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  ENOMEM: 12,
  EEXIST: 17,
  EISDIR: 21,
  EINVAL: 22,
  ENOSPC: 28,
  EBUSY: 16,
} as const;

export class StatusError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'StatusError';
  }
}

export const invalid = (message: string): StatusError => new StatusError(Errno.EINVAL, message);
export const notFound = (message: string): StatusError => new StatusError(Errno.ENOENT, message);

const FS_CODES: Readonly<Record<string, number>> = {
  ENOENT: Errno.ENOENT,
  ENOTDIR: Errno.ENOENT,
  EEXIST: Errno.EEXIST,
  ENOSPC: Errno.ENOSPC,
  EDQUOT: Errno.ENOSPC,
  EISDIR: Errno.EISDIR,
  EACCES: 13,
  EPERM: Errno.EPERM,
  EMFILE: 24,
  ENFILE: 23,
};

/** The errno to answer with for an error thrown while serving a request. */
export function statusOf(err: unknown): number {
  if (err instanceof StatusError) return err.status;
  // Codec and file-id errors (short body, int64 out of range, bad name or ext) are bad requests.
  if (err instanceof FdfsError) return Errno.EINVAL;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined ? FS_CODES[code] : undefined) ?? Errno.EIO;
}
