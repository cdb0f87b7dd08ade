/**
 * Run-time checks of the public API's arguments, for callers in plain JavaScript (TypeScript's
 * types are gone at run time). The rule: a value of the wrong type, or a number out of range, is
 * an InvalidArgumentError that names the argument (`options.ext`, `range.offset`, …), thrown
 * before any I/O; never a TypeError from deep inside. A string of the right type but the wrong
 * form gets the specific error of what it is (InvalidFileIdError for a file id).
 */
import { Readable } from 'node:stream';
import { InvalidArgumentError } from './errors.js';
import {
  type Address,
  describeValue,
  GROUP_NAME_SIZE,
  type GroupFile,
  isGroupName,
  type Metadata,
  parseAddress,
  parseFileId,
  type StoreTarget,
} from 'fastdfs-protocol';

export { describeValue };

function fail(name: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(`${name} must be ${expected}, got ${describeValue(value)}`);
}

export function checkString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') fail(name, 'a string', value);
}

export function checkOptionalString(name: string, value: unknown): asserts value is string | undefined {
  if (value !== undefined) checkString(name, value);
}

export function checkBoolean(name: string, value: unknown): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') fail(name, 'true or false', value);
}

/** An offset, a length or a size: an integer 0 … 2^53-1. */
export function checkNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(name, 'a non-negative integer', value);
  }
}

export function checkOptionalNonNegativeInteger(name: string, value: unknown): asserts value is number | undefined {
  if (value !== undefined) checkNonNegativeInteger(name, value);
}

/** An options bag: absent, or a plain object (not an array, a string, a Buffer …). */
export function checkOptions(name: string, value: unknown): asserts value is object | undefined {
  if (value !== undefined && !isPlainObject(value)) fail(name, 'an object', value);
}

/** A group name as FastDFS accepts it (tracker_proto.c fdfs_validate_group_name): 1-16 letters or digits. */
export function checkGroup(name: string, value: unknown): asserts value is string {
  checkString(name, value);
  if (!isGroupName(value)) {
    throw new InvalidArgumentError(
      `${name} must be 1-${GROUP_NAME_SIZE} letters or digits, got ${describeValue(value)}`,
    );
  }
}

export function checkOptionalGroup(name: string, value: unknown): asserts value is string | undefined {
  if (value !== undefined) checkGroup(name, value);
}

/** A file id string, split into group and remote filename (InvalidFileIdError when malformed). */
export function toGroupFile(name: string, fileId: unknown): GroupFile {
  checkString(name, fileId);
  const parsed = parseFileId(fileId);
  return { group: parsed.group, filename: parsed.filename };
}

/** A server as `host:port` / `[v6]:port`, or as `{ host, port }`. */
export function toAddress(name: string, value: unknown): Address {
  if (typeof value === 'string') return parseAddress(value, name);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(name, '"host:port" or { host, port }', value);
  }
  const { host, port } = value as Record<string, unknown>;
  if (typeof host !== 'string' || host === '' || /[\s[\]]/.test(host)) {
    fail(`${name}.host`, 'a host name or IP address', host);
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`${name}.port`, 'an integer 1-65535', port);
  }
  return { host, port };
}

/** A storage to upload to, as QUERY_STORE names it: { group, host, port, storePathIndex }. */
export function toStoreTarget(name: string, value: unknown): StoreTarget {
  if (!isPlainObject(value))
    fail(name, 'an object like queryStore() returns ({ group, host, port, storePathIndex })', value);
  const { group, storePathIndex } = value as Record<string, unknown>;
  const { host, port } = toAddress(name, value);
  checkGroup(`${name}.group`, group);
  if (
    typeof storePathIndex !== 'number' ||
    !Number.isInteger(storePathIndex) ||
    storePathIndex < 0 ||
    storePathIndex > 255
  ) {
    fail(`${name}.storePathIndex`, 'an integer 0-255', storePathIndex);
  }
  return { group, host, port, storePathIndex };
}

/** Metadata: a plain object whose every value is a string (names are its keys, strings already). */
export function checkMetadata(name: string, value: unknown): asserts value is Metadata {
  if (!isPlainObject(value)) fail(name, 'an object of string values', value);
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') fail(`${name}[${JSON.stringify(key)}]`, 'a string', entry);
  }
}

/** Upload content: a Buffer, a Readable or an AsyncIterable (of Buffers, checked as they come). */
export function checkUploadSource(name: string, value: unknown): void {
  const ok =
    Buffer.isBuffer(value) ||
    value instanceof Readable ||
    (typeof value === 'object' && value !== null && Symbol.asyncIterator in value);
  if (!ok) fail(name, 'a Buffer, a Readable or an AsyncIterable of Buffers', value);
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) fail(name, allowed.map((a) => JSON.stringify(a)).join(' or '), value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
