import { ErrorCode, type ErrorCodeName } from './error-code.js';

/**
 * The one status table. A FastDFS reply's status byte is a Linux errno (the C servers send
 * `errno` as they got it); this names each one a server sends, with the error code a client
 * reports for it, a human text, and whether the same call may succeed later or elsewhere.
 * Servers answer with `Errno.X`; clients read a status through `STATUS_CODES`.
 */
const TABLE = {
  EPERM: { status: 1, code: ErrorCode.PERMISSION, text: 'operation not permitted (EPERM)', retriable: false },
  ENOENT: { status: 2, code: ErrorCode.NOT_FOUND, text: 'not found (ENOENT)', retriable: false },
  EIO: { status: 5, code: ErrorCode.SERVER_IO, text: 'I/O error on the server (EIO)', retriable: true },
  EAGAIN: { status: 11, code: ErrorCode.BUSY, text: 'server busy, try again (EAGAIN)', retriable: true },
  ENOMEM: { status: 12, code: ErrorCode.SERVER, text: 'server out of memory (ENOMEM)', retriable: true },
  EACCES: { status: 13, code: ErrorCode.PERMISSION, text: 'permission denied (EACCES)', retriable: false },
  EBUSY: { status: 16, code: ErrorCode.BUSY, text: 'resource busy (EBUSY)', retriable: true },
  EEXIST: { status: 17, code: ErrorCode.ALREADY_EXISTS, text: 'already exists (EEXIST)', retriable: false },
  EISDIR: { status: 21, code: ErrorCode.SERVER, text: 'is a directory (EISDIR)', retriable: false },
  EINVAL: { status: 22, code: ErrorCode.INVALID_REQUEST, text: 'invalid argument (EINVAL)', retriable: false },
  ENFILE: { status: 23, code: ErrorCode.SERVER, text: 'too many open files on the server (ENFILE)', retriable: true },
  EMFILE: { status: 24, code: ErrorCode.SERVER, text: 'too many open files in the server (EMFILE)', retriable: true },
  EFBIG: { status: 27, code: ErrorCode.INVALID_REQUEST, text: 'file too large (EFBIG)', retriable: false },
  ENOSPC: { status: 28, code: ErrorCode.NO_SPACE, text: 'no space left on the storage (ENOSPC)', retriable: false },
  ENOSYS: {
    status: 38,
    code: ErrorCode.NOT_SUPPORTED,
    text: 'not supported by this server (ENOSYS)',
    retriable: false,
  },
  EOPNOTSUPP: {
    status: 95,
    code: ErrorCode.NOT_SUPPORTED,
    text: 'operation not supported (EOPNOTSUPP)',
    retriable: false,
  },
  ETIMEDOUT: { status: 110, code: ErrorCode.SERVER_TIMEOUT, text: 'server timed out (ETIMEDOUT)', retriable: true },
  ECONNREFUSED: {
    status: 111,
    code: ErrorCode.SERVER,
    text: 'server could not reach a peer (ECONNREFUSED)',
    retriable: true,
  },
} as const satisfies Record<string, { status: number; code: ErrorCodeName; text: string; retriable: boolean }>;

export type ErrnoName = keyof typeof TABLE;

/** errno name → number, for servers: `throw new StatusError(Errno.EINVAL, …)`. */
export const Errno = Object.freeze(
  Object.fromEntries(Object.entries(TABLE).map(([name, e]) => [name, e.status])) as {
    [K in ErrnoName]: (typeof TABLE)[K]['status'];
  },
);

export interface StatusCode {
  code: ErrorCodeName;
  text: string;
  retriable: boolean;
}

/** errno number → what it means, for clients reading a reply's status byte. */
export const STATUS_CODES: Readonly<Record<number, StatusCode>> = Object.freeze(
  Object.fromEntries(
    Object.values(TABLE).map(({ status, code, text, retriable }) => [status, { code, text, retriable }]),
  ),
);
