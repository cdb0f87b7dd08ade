/**
 * The public API called the way plain JavaScript may call it: every argument of the wrong type
 * (passed through `unknown`, as no TypeScript caller could) is an InvalidArgumentError naming the
 * argument, or a ConfigError for the client's options; a rejected promise from the async methods,
 * never a synchronous throw or a TypeError, and nothing reaches the network.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkToken,
  ConfigError,
  decodeFileId,
  ErrorCode,
  FdfsClient,
  generateToken,
  InvalidArgumentError,
  InvalidFileIdError,
  parseFileId,
  tokenSubject,
} from 'fastdfs-client-ts';
import { FakeFdfsServer } from '../../helpers/fake-fdfs-server.js';

const ID = 'group1/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin';
const BYTES = Buffer.from('content');

let tracker: FakeFdfsServer;
let client: FdfsClient;
/** The client as plain JavaScript sees it: any argument goes. */
let js: Record<string, (...args: unknown[]) => Promise<unknown>>;

beforeAll(async () => {
  // Answers nothing useful: no test may get as far as a request.
  tracker = new FakeFdfsServer(() => ({ close: true }));
  await tracker.listen();
  client = new FdfsClient({ trackers: [tracker.address], connectTimeout: 1000, networkTimeout: 1000 });
  js = client as unknown as typeof js;
});

afterAll(async () => {
  await client.close();
  await tracker.close();
});

/** Calls `method` with `args`; it must return a promise (not throw) that rejects with `type` and `message`. */
async function rejects(
  method: string,
  args: unknown[],
  type: new (...a: never[]) => Error,
  message: string | RegExp,
): Promise<void> {
  let result: Promise<unknown> | undefined;
  expect(() => {
    result = js[method]?.(...args);
  }).not.toThrow();
  expect(result).toBeInstanceOf(Promise);
  const err = await (result as Promise<unknown>).then(
    () => expect.fail(`${method} resolved`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  expect((err as { code: unknown }).code).toBe(
    type === InvalidFileIdError ? ErrorCode.INVALID_FILE_ID : ErrorCode.INVALID_ARGUMENT,
  );
  if (typeof message === 'string') expect((err as Error).message).toBe(message);
  else expect((err as Error).message).toMatch(message);
}

describe('FdfsClient storage methods', () => {
  it.each<[string, unknown[], string | RegExp]>([
    ['upload', ['text'], 'source must be a Buffer, a Readable or an AsyncIterable of Buffers, got a string ("text")'],
    ['upload', [null], 'source must be a Buffer, a Readable or an AsyncIterable of Buffers, got null'],
    ['upload', [[1, 2]], 'source must be a Buffer, a Readable or an AsyncIterable of Buffers, got an array'],
    ['uploadAppender', [42], 'source must be a Buffer, a Readable or an AsyncIterable of Buffers, got a number (42)'],
    ['upload', [BYTES, 'jpg'], 'options must be an object, got a string ("jpg")'],
    ['upload', [BYTES, { ext: 42 }], 'options.ext must be a string, got a number (42)'],
    ['upload', [BYTES, { group: 1 }], 'options.group must be a string, got a number (1)'],
    [
      'upload',
      [BYTES, { group: 'no/group' }],
      'options.group must be 1-16 letters or digits, got a string ("no/group")',
    ],
    ['upload', [BYTES, { size: '7' }], 'options.size must be a non-negative integer, got a string ("7")'],
    ['upload', [BYTES, { size: 8 }], 'options.size 8 does not match the 7-byte buffer'],
    [
      'upload',
      [BYTES, { metadata: 'w=1' }],
      'options.metadata must be an object of string values, got a string ("w=1")',
    ],
    ['upload', [BYTES, { metadata: { w: 800 } }], 'options.metadata["w"] must be a string, got a number (800)'],
    [
      'upload',
      [BYTES, { target: '127.0.0.1:23000' }],
      /^options\.target must be an object like queryStore\(\) returns/,
    ],
    [
      'uploadAppender',
      [BYTES, { target: { group: 'group1', host: '127.0.0.1', port: 0, storePathIndex: 0 } }],
      'options.target.port must be an integer 1-65535, got a number (0)',
    ],
    [
      'upload',
      [BYTES, { target: { group: 'a/b', host: '127.0.0.1', port: 23000, storePathIndex: 0 } }],
      'options.target.group must be 1-16 letters or digits, got a string ("a/b")',
    ],
    [
      'upload',
      [BYTES, { target: { group: 'group1', host: '127.0.0.1', port: 23000, storePathIndex: 256 } }],
      'options.target.storePathIndex must be an integer 0-255, got a number (256)',
    ],
    [
      'upload',
      [BYTES, { group: 'group2', target: { group: 'group1', host: '127.0.0.1', port: 23000, storePathIndex: 0 } }],
      'options.group group2 is not options.target.group group1',
    ],
    [
      'upload',
      [Readable.from([BYTES])],
      'options.size (a non-negative integer) is required when uploading from a stream',
    ],
    [
      'upload',
      [Readable.from([BYTES]), { size: -1 }],
      'options.size must be a non-negative integer, got a number (-1)',
    ],
    ['uploadSlave', [42, BYTES, { prefix: '_s' }], 'masterFileId must be a string, got a number (42)'],
    ['uploadSlave', [ID, BYTES], 'options must be an object with a prefix, got undefined'],
    ['uploadSlave', [ID, BYTES, { prefix: 150 }], 'options.prefix must be a string, got a number (150)'],
    ['uploadSlave', [ID, BYTES, { prefix: '_s', ext: true }], 'options.ext must be a string, got a boolean (true)'],
    ['uploadSlave', [ID, 'thumb', { prefix: '_s' }], /^source must be a Buffer/],
    [
      'append',
      [ID, 'more'],
      'source must be a Buffer, a Readable or an AsyncIterable of Buffers, got a string ("more")',
    ],
    ['append', [ID, BYTES, { size: 1.5 }], 'options.size must be a non-negative integer, got a number (1.5)'],
    ['modify', [ID, '1', BYTES], 'offset must be a non-negative integer, got a string ("1")'],
    ['modify', [ID, -1, BYTES], 'offset must be a non-negative integer, got a number (-1)'],
    ['modify', [ID, 0, BYTES, 3], 'options must be an object, got a number (3)'],
    ['truncate', [ID, '10'], 'size must be a non-negative integer, got a string ("10")'],
    ['truncate', [ID, Number.NaN], 'size must be a non-negative integer, got a number (NaN)'],
    ['regenerateAppenderFilename', [undefined], 'fileId must be a string, got undefined'],
    ['delete', [{ id: ID }], 'fileId must be a string, got an object'],
    ['download', [ID, 5], 'range must be an object, got a number (5)'],
    ['download', [ID, { offset: -1 }], 'range.offset must be a non-negative integer, got a number (-1)'],
    [
      'download',
      [ID, { length: 2 ** 53 }],
      'range.length must be a non-negative integer, got a number (9007199254740992)',
    ],
    ['downloadStream', [ID, { offset: '5' }], 'range.offset must be a non-negative integer, got a string ("5")'],
    ['downloadStream', [Buffer.from(ID)], 'fileId must be a string, got a Buffer of 51 bytes'],
    ['setMetadata', [ID, 'w=1'], 'metadata must be an object of string values, got a string ("w=1")'],
    ['setMetadata', [ID, ['w']], 'metadata must be an object of string values, got an array'],
    ['setMetadata', [ID, { w: null }], 'metadata["w"] must be a string, got null'],
    ['setMetadata', [ID, { w: '1' }, 'replace'], 'mode must be "overwrite" or "merge", got a string ("replace")'],
    ['getMetadata', [123], 'fileId must be a string, got a number (123)'],
    [
      'queryFileInfo',
      [ID, { computeCrc32: 'yes' }],
      'options.computeCrc32 must be true or false, got a string ("yes")',
    ],
    ['fileInfo', [42], 'fileId must be a string, got a number (42)'],
    ['fileInfo', [ID, { fromServer: 1 }], 'options.fromServer must be true or false, got a number (1)'],
  ])('%s(%j) → InvalidArgumentError', async (method, args, message) => {
    await rejects(method, args, InvalidArgumentError, message);
  });

  it('a file id string of the wrong form is an InvalidFileIdError', async () => {
    await rejects('delete', ['not-a-file-id'], InvalidFileIdError, /^invalid file id "not-a-file-id"/);
    await rejects('download', ['group1/M00/short'], InvalidFileIdError, /remote filename must be/);
  });

  it('an async iterable source is accepted and its chunks checked as they are sent (the size is required)', async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      yield BYTES;
    }
    await rejects('upload', [chunks()], InvalidArgumentError, /options\.size .* is required/);
  });
});

describe('FdfsClient tracker methods', () => {
  it.each<[string, unknown[], string]>([
    ['queryStore', [7], 'group must be a string, got a number (7)'],
    ['queryStore', [''], 'group must be 1-16 letters or digits, got a string ("")'],
    ['queryStoreAll', ['g'.repeat(17)], `group must be 1-16 letters or digits, got a string ("${'g'.repeat(17)}")`],
    ['queryFetch', [null], 'fileId must be a string, got null'],
    ['queryFetchAll', [1], 'fileId must be a string, got a number (1)'],
    ['queryUpdate', [[]], 'fileId must be a string, got an array'],
    ['listGroup', [undefined], 'group must be a string, got undefined'],
    ['listStorages', [{}], 'group must be a string, got an object'],
    ['listStorages', ['group1', 5], 'storageId must be a string, got a number (5)'],
    ['listStorages', ['group1', 's'.repeat(16)], 'storageId must be at most 15 characters, got 16'],
    ['activeTest', [42], 'server must be "host:port" or { host, port }, got a number (42)'],
    ['activeTest', [{ host: 'h', port: '1' }], 'server.port must be an integer 1-65535, got a string ("1")'],
    ['activeTest', [{ port: 23000 }], 'server.host must be a host name or IP address, got undefined'],
    ['activeTest', ['nohost'], 'server "nohost" must be host:port'],
  ])('%s(%j) → InvalidArgumentError', async (method, args, message) => {
    await rejects(method, args, InvalidArgumentError, message);
  });
});

describe('FdfsClient construction', () => {
  const make = (options: unknown) => () => new FdfsClient(options as ConstructorParameters<typeof FdfsClient>[0]);

  it.each<[string, unknown, string]>([
    ['no options', undefined, 'options must be an object, got undefined'],
    ['a string', '127.0.0.1:22122', 'options must be an object, got a string ("127.0.0.1:22122")'],
    [
      'trackers not an array',
      { trackers: '127.0.0.1:22122' },
      'trackers must list at least one tracker as "host:port"',
    ],
    ['a number as tracker', { trackers: [42] }, 'trackers[0] must be "host:port" or { host, port }, got a number (42)'],
    [
      'a port as a string',
      { trackers: [{ host: 'h', port: '22122' }] },
      'trackers[0].port must be an integer 1-65535, got a string ("22122")',
    ],
    [
      'no host',
      { trackers: ['h:1', { port: 22122 }] },
      'trackers[1].host must be a host name or IP address, got undefined',
    ],
    ['pool not an object', { trackers: ['h:1'], pool: 5 }, 'pool must be an object, got a number (5)'],
    [
      'a timeout as a string',
      { trackers: ['h:1'], networkTimeout: '30' },
      'networkTimeout must be a positive integer, got 30',
    ],
  ])('%s → ConfigError', (_what, options, message) => {
    expect(make(options)).toThrow(ConfigError);
    expect(make(options)).toThrow(message);
  });

  it('fromConfFile checks its path and overrides', () => {
    const fromConf = FdfsClient.fromConfFile as unknown as (...args: unknown[]) => FdfsClient;
    expect(() => fromConf(42)).toThrow(new InvalidArgumentError('path must be a string, got a number (42)'));
    expect(() => fromConf('/nonexistent/client.conf', 'x')).toThrow(
      new InvalidArgumentError('overrides must be an object, got a string ("x")'),
    );
  });
});

describe('token helpers and file id functions', () => {
  const SUBJECT = 'M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin';
  const gen = generateToken as unknown as (...args: unknown[]) => string;
  const check = checkToken as unknown as (...args: unknown[]) => string;
  const subject = tokenSubject as unknown as (...args: unknown[]) => string;

  it.each<[string, () => unknown, string]>([
    [
      'generateToken: a number as file id',
      () => gen(42, 'key', 1),
      'fileIdWithoutGroup must be a string, got a number (42)',
    ],
    ['generateToken: no secret', () => gen(SUBJECT, undefined, 1), 'secret must be a string, got undefined'],
    [
      'generateToken: a string timestamp',
      () => gen(SUBJECT, 'key', '1700000000'),
      'timestamp must be a non-negative number of seconds, got a string ("1700000000")',
    ],
    [
      'generateToken: NaN',
      () => gen(SUBJECT, 'key', Number.NaN),
      'timestamp must be a non-negative number of seconds, got a number (NaN)',
    ],
    ['tokenSubject: undefined', () => subject(undefined), 'fileId must be a string, got undefined'],
    [
      'checkToken: a string ttl',
      () => check(SUBJECT, 'key', 1, 'a'.repeat(32), '900', 2),
      'ttlSeconds must be a non-negative number of seconds, got a string ("900")',
    ],
    [
      'checkToken: a Buffer secret',
      () => check(SUBJECT, Buffer.from('k'), 1, 'a'.repeat(32), 900, 2),
      'secret must be a string, got a Buffer of 1 bytes',
    ],
  ])('%s → InvalidArgumentError', (_what, call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('checkToken: a token or timestamp from the request that is not of the right type is malformed', () => {
    const ts = 1_700_000_000;
    const token = generateToken(SUBJECT, 'key', ts);
    expect(check(SUBJECT, 'key', ts, token, 900, ts)).toBe('ok');
    expect(check(SUBJECT, 'key', ts, undefined, 900, ts)).toBe('malformed');
    expect(check(SUBJECT, 'key', ts, 12345, 900, ts)).toBe('malformed');
    expect(check(SUBJECT, 'key', String(ts), token, 900, ts)).toBe('malformed');
    expect(check(SUBJECT, 'key', Number.NaN, token, 900, ts)).toBe('malformed');
    expect(check(SUBJECT, 'key', -1, token, 900, ts)).toBe('malformed');
  });

  it('parseFileId and decodeFileId: a non-string is an InvalidFileIdError, no TypeError', () => {
    const parse = parseFileId as unknown as (id: unknown) => unknown;
    const decode = decodeFileId as unknown as (id: unknown) => unknown;
    for (const bad of [42, undefined, null, { id: ID }]) {
      expect(() => parse(bad)).toThrow(InvalidFileIdError);
      expect(() => decode(bad)).toThrow(InvalidFileIdError);
    }
    expect(() => parse(42)).toThrow('invalid file id "42": not a string');
  });
});

it('sent nothing: not one of the calls above opened a connection', () => {
  expect(tracker.connections).toBe(0);
});
