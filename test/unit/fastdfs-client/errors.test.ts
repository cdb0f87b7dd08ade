/**
 * The error catalogue (in the spirit of fastify's test/internals/errors.test.js): codes are unique
 * and well-formed, every class sets name / code / retriable, and StatusError's errno table only
 * names known codes.
 */
import { describe, expect, it } from 'vitest';
import * as errors from 'fastdfs-client-ts/errors';
import {
  ConfigError,
  ConnectError,
  ConnectionClosedError,
  ErrorCode,
  FdfsError,
  FileTooLargeError,
  InvalidArgumentError,
  InvalidFileIdError,
  NoTrackerError,
  ProtocolError,
  STATUS_CODES,
  StatusError,
  TimeoutError,
  isTransportError,
} from 'fastdfs-client-ts/errors';

const CODES = Object.values(ErrorCode);

describe('ErrorCode', () => {
  it('every value is unique', () => {
    expect(new Set(CODES).size).toBe(CODES.length);
  });

  it.each(Object.entries(ErrorCode))('%s = %s starts with FDFS_ERR_ and mirrors its key', (key, code) => {
    expect(code.startsWith('FDFS_ERR_')).toBe(true);
    expect(code).toBe(`FDFS_ERR_${key}`);
    expect(code).toMatch(/^FDFS_ERR_[A-Z0-9_]+$/);
  });

  it('has 22 codes (a new code needs a test here)', () => {
    expect(CODES.length).toBe(22);
  });
});

describe('STATUS_CODES (errno → code)', () => {
  it.each(Object.entries(STATUS_CODES))('errno %s maps to a code in ErrorCode', (errno, entry) => {
    expect(Number.isInteger(Number(errno)) && Number(errno) > 0).toBe(true);
    expect(CODES).toContain(entry.code);
    expect(entry.text.length).toBeGreaterThan(0);
    expect(typeof entry.retriable).toBe('boolean');
    const err = new StatusError(Number(errno), 'op', 'addr');
    expect([err.code, err.retriable]).toEqual([entry.code, entry.retriable]);
    expect(err.message).toContain(entry.text);
  });

  it('covers the errnos FastDFS servers send', () => {
    expect(STATUS_CODES[2]?.code).toBe('FDFS_ERR_NOT_FOUND');
    expect(STATUS_CODES[17]?.code).toBe('FDFS_ERR_ALREADY_EXISTS');
    expect(STATUS_CODES[22]?.code).toBe('FDFS_ERR_INVALID_REQUEST');
    expect(STATUS_CODES[28]?.code).toBe('FDFS_ERR_NO_SPACE');
    expect(STATUS_CODES[1]?.code).toBe('FDFS_ERR_PERMISSION');
  });
});

const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:22122'), { code: 'ECONNREFUSED' });

const CLASSES: Array<[string, () => FdfsError, string, boolean, RegExp]> = [
  ['FdfsError', () => new FdfsError(ErrorCode.SERVER, 'boom'), 'FDFS_ERR_SERVER', false, /^boom$/],
  [
    'ConnectError',
    () => new ConnectError('10.0.0.1:22122', refused),
    'FDFS_ERR_CONNECT',
    true,
    /^cannot connect to 10\.0\.0\.1:22122: ECONNREFUSED$/,
  ],
  [
    'TimeoutError',
    () => new TimeoutError(ErrorCode.NETWORK_TIMEOUT, 'no reply in 30000 ms'),
    'FDFS_ERR_NETWORK_TIMEOUT',
    true,
    /30000 ms/,
  ],
  [
    'ConnectionClosedError',
    () => new ConnectionClosedError('10.0.0.1:23000', true),
    'FDFS_ERR_CONNECTION_CLOSED',
    true,
    /^connection to 10\.0\.0\.1:23000 closed before the reply$/,
  ],
  ['ProtocolError', () => new ProtocolError('bad body'), 'FDFS_ERR_PROTOCOL', false, /^bad body$/],
  [
    'InvalidFileIdError',
    () => new InvalidFileIdError('../x', 'nope'),
    'FDFS_ERR_INVALID_FILE_ID',
    false,
    /^invalid file id "\.\.\/x": nope$/,
  ],
  ['InvalidArgumentError', () => new InvalidArgumentError('bad arg'), 'FDFS_ERR_INVALID_ARGUMENT', false, /^bad arg$/],
  ['ConfigError', () => new ConfigError('bad conf'), 'FDFS_ERR_INVALID_CONFIG', false, /^bad conf$/],
  [
    'NoTrackerError',
    () => new NoTrackerError([{ address: 'a:1', error: new Error('x') }]),
    'FDFS_ERR_NO_TRACKER',
    true,
    /a:1/,
  ],
  [
    'StatusError',
    () => new StatusError(2, 'delete', 's:1'),
    'FDFS_ERR_NOT_FOUND',
    false,
    /^delete failed on s:1: not found \(ENOENT\) \(status 2\)$/,
  ],
  [
    'FileTooLargeError',
    () => new FileTooLargeError(new StatusError(27, 'upload', 's:1'), 5000),
    'FDFS_ERR_INVALID_REQUEST',
    false,
    /^upload failed on s:1: file too large \(5000 bytes > the storage's max_upload_file_size\) \(status 27\)$/,
  ],
];

describe('error classes', () => {
  it.each(CLASSES)('%s sets name, code and retriable', (name, make, code, retriable, message) => {
    const err = make();
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(FdfsError);
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    expect(CODES).toContain(err.code);
    expect(err.retriable).toBe(retriable);
    expect(err.message).toMatch(message);
    expect(typeof err.stack).toBe('string');
  });

  it('every FdfsError subclass exported by the module is in the table above', () => {
    const exported = Object.entries(errors)
      .filter(
        ([, v]) =>
          typeof v === 'function' && (v === FdfsError || (v as { prototype: unknown }).prototype instanceof FdfsError),
      )
      .map(([k]) => k)
      .sort();
    expect(exported).toEqual(CLASSES.map(([name]) => name).sort());
    // FdfsError and its 10 subclasses; the 11th, FileTooLargeError, is the EFBIG StatusError.
    expect(exported).toHaveLength(11);
  });

  it('FileTooLargeError is the StatusError of EFBIG, with the size sent', () => {
    const err = new FileTooLargeError(new StatusError(27, 'append', '10.0.0.1:23000'), 123);
    expect(err).toBeInstanceOf(StatusError);
    expect(err).toMatchObject({ status: 27, operation: 'append', address: '10.0.0.1:23000', size: 123 });
    expect(err.stack?.split('\n')[0]).toBe(`FileTooLargeError: ${err.message}`);
    const local = new FileTooLargeError(new StatusError(27, 'upload'), 9);
    expect(local.message).toBe("upload: file too large (9 bytes > the storage's max_upload_file_size) (status 27)");
  });

  it('ConnectError keeps the address and the cause', () => {
    const err = new ConnectError('10.0.0.1:22122', refused);
    expect(err.address).toBe('10.0.0.1:22122');
    expect(err.cause).toBe(refused);
    expect(new ConnectError('h:1').message).toBe('cannot connect to h:1: unknown error');
    expect(new ConnectError('h:1', new Error('plain')).message).toBe('cannot connect to h:1: plain');
  });

  it('ConnectionClosedError says whether any reply byte had arrived', () => {
    const mid = new ConnectionClosedError('h:1', false, refused);
    expect(mid.beforeReply).toBe(false);
    expect(mid.message).toBe('connection to h:1 closed in the middle of the reply: ECONNREFUSED');
    expect(mid.cause).toBe(refused);
  });

  it('TimeoutError accepts the three timeout codes', () => {
    for (const code of [ErrorCode.CONNECT_TIMEOUT, ErrorCode.NETWORK_TIMEOUT, ErrorCode.POOL_TIMEOUT] as const) {
      expect(new TimeoutError(code, 't').code).toBe(code);
    }
  });

  it('FdfsError options: retriable and cause', () => {
    const cause = new Error('root');
    const err = new FdfsError(ErrorCode.BUSY, 'busy', { retriable: true, cause });
    expect([err.retriable, err.cause]).toEqual([true, cause]);
    expect('cause' in new FdfsError(ErrorCode.BUSY, 'busy')).toBe(false);
  });

  it('InvalidFileIdError shows at most 200 chars of the id', () => {
    const err = new InvalidFileIdError('x'.repeat(1000), 'too long');
    expect(err.message).toBe(`invalid file id "${'x'.repeat(200)}": too long`);
  });
});

describe('NoTrackerError', () => {
  it('names every tracker tried and why it failed', () => {
    const attempts = [
      { address: '10.0.0.1:22122', error: new ConnectError('10.0.0.1:22122', refused) },
      {
        address: '10.0.0.2:22122',
        error: new TimeoutError(ErrorCode.CONNECT_TIMEOUT, 'connect timed out after 5000 ms'),
      },
      { address: '[fd00::3]:22122', error: new ConnectionClosedError('[fd00::3]:22122', true) },
    ];
    const err = new NoTrackerError(attempts);
    for (const a of attempts) {
      expect(err.message).toContain(a.address);
      expect(err.message).toContain(a.error.message);
    }
    expect(err.message).toMatch(/^no tracker answered \(tried 3\): 10\.0\.0\.1:22122 \(cannot connect/);
    expect(err.attempts).toBe(attempts);
    expect(err.cause).toBe(attempts[2]?.error);
    expect(err.retriable).toBe(true);
  });

  it('with no attempts', () => {
    const err = new NoTrackerError([]);
    expect(err.message).toBe('no tracker answered (tried 0): ');
    expect(err.cause).toBeUndefined();
  });
});

describe('isTransportError', () => {
  it.each([
    ['ConnectError', new ConnectError('h:1'), true],
    ['ConnectionClosedError', new ConnectionClosedError('h:1', true), true],
    ['connect timeout', new TimeoutError(ErrorCode.CONNECT_TIMEOUT, 't'), true],
    ['network timeout', new TimeoutError(ErrorCode.NETWORK_TIMEOUT, 't'), true],
    ['pool timeout (local, not the transport)', new TimeoutError(ErrorCode.POOL_TIMEOUT, 't'), false],
    ['StatusError', new StatusError(5, 'op', 'a'), false],
    ['ProtocolError', new ProtocolError('p'), false],
    ['plain Error', new Error('x'), false],
    ['not an error', 'ECONNRESET', false],
  ])('%s → %s', (_what, err, expected) => {
    expect(isTransportError(err)).toBe(expected);
  });
});
