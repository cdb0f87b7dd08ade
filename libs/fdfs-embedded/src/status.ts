import { Errno, FdfsError, StatusError } from 'fastdfs-protocol';

/**
 * The status a request is answered with. Handlers throw StatusError (errno.ts is the one
 * table of statuses); anything else thrown is mapped here.
 */
export const invalid = (reason: string): StatusError => new StatusError(Errno.EINVAL, reason);
export const notFound = (reason: string): StatusError => new StatusError(Errno.ENOENT, reason);

/** Node's file-system error codes → the status a C storage would send for them. */
const FS_STATUS: Readonly<Record<string, number>> = {
  ENOENT: Errno.ENOENT,
  ENOTDIR: Errno.ENOENT,
  EEXIST: Errno.EEXIST,
  ENOSPC: Errno.ENOSPC,
  EDQUOT: Errno.ENOSPC,
  EFBIG: Errno.EFBIG,
  EISDIR: Errno.EISDIR,
  EACCES: Errno.EACCES,
  EPERM: Errno.EPERM,
  EMFILE: Errno.EMFILE,
  ENFILE: Errno.ENFILE,
};

/** The errno to answer with for an error thrown while serving a request. */
export function statusOf(err: unknown): number {
  if (err instanceof StatusError) return err.status;
  // Codec and file-id errors (short body, int64 out of range, bad name or ext) are bad requests.
  if (err instanceof FdfsError) return Errno.EINVAL;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined ? FS_STATUS[code] : undefined) ?? Errno.EIO;
}
