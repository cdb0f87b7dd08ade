/**
 * Errors are data: every error of the FastDFS packages is an FdfsError with a stable `code`,
 * a `retriable` flag (would the same call succeed later or elsewhere?) and an optional `cause`.
 * This module holds the catalogue and the errors the codecs throw; the client adds its
 * transport errors (connect, timeout, closed, no tracker) on the same base.
 */
export const ErrorCode = {
  CONNECT: 'FDFS_ERR_CONNECT',
  CONNECT_TIMEOUT: 'FDFS_ERR_CONNECT_TIMEOUT',
  NETWORK_TIMEOUT: 'FDFS_ERR_NETWORK_TIMEOUT',
  CONNECTION_CLOSED: 'FDFS_ERR_CONNECTION_CLOSED',
  POOL_TIMEOUT: 'FDFS_ERR_POOL_TIMEOUT',
  POOL_FULL: 'FDFS_ERR_POOL_FULL',
  POOL_CLOSED: 'FDFS_ERR_POOL_CLOSED',
  NO_TRACKER: 'FDFS_ERR_NO_TRACKER',
  PROTOCOL: 'FDFS_ERR_PROTOCOL',
  INVALID_FILE_ID: 'FDFS_ERR_INVALID_FILE_ID',
  INVALID_ARGUMENT: 'FDFS_ERR_INVALID_ARGUMENT',
  INVALID_CONFIG: 'FDFS_ERR_INVALID_CONFIG',
  NOT_FOUND: 'FDFS_ERR_NOT_FOUND',
  ALREADY_EXISTS: 'FDFS_ERR_ALREADY_EXISTS',
  PERMISSION: 'FDFS_ERR_PERMISSION',
  INVALID_REQUEST: 'FDFS_ERR_INVALID_REQUEST',
  NO_SPACE: 'FDFS_ERR_NO_SPACE',
  BUSY: 'FDFS_ERR_BUSY',
  SERVER_TIMEOUT: 'FDFS_ERR_SERVER_TIMEOUT',
  NOT_SUPPORTED: 'FDFS_ERR_NOT_SUPPORTED',
  SERVER_IO: 'FDFS_ERR_SERVER_IO',
  SERVER: 'FDFS_ERR_SERVER',
} as const;

export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];
