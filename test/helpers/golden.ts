/**
 * Golden exchanges and byte builders for the wire-protocol tests (fastdfs-protocol, fastdfs-client-ts).
 *
 * - `real(name)` loads a golden exchange captured from a real FastDFS 6.16.1
 *   (test/fixtures/fastdfs/real-6.16.1/<name>.json): request and response, header and body, as hex.
 * - `hex()` turns a hand-written hex literal (spaces, newlines and `|` separators allowed) into bytes.
 * - `field` builds bodies field by field, independently of the library's Encoder.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { expect } from 'vitest';
import { ErrorCode, FdfsError, ProtocolError } from 'fastdfs-protocol';

const FIXTURES = new URL('../fixtures/fastdfs/', import.meta.url);

export interface RealExchange {
  server: string;
  cmd: number;
  name: string;
  note: string;
  reqHeader: Buffer;
  reqBody: Buffer;
  resHeader: Buffer;
  resBody: Buffer;
  context: Record<string, unknown>;
}

interface RealJson {
  server: string;
  cmd: number;
  name: string;
  note: string;
  request: { header: string; body: string };
  response: { header: string; body: string };
  context?: Record<string, unknown>;
}

export function fixtureJson<T>(relative: string): T {
  return JSON.parse(readFileSync(new URL(relative, FIXTURES), 'utf8')) as T;
}

export function real(name: string): RealExchange {
  const json = fixtureJson<RealJson>(`real-6.16.1/${name}.json`);
  return {
    server: json.server,
    cmd: json.cmd,
    name: json.name,
    note: json.note,
    reqHeader: Buffer.from(json.request.header, 'hex'),
    reqBody: Buffer.from(json.request.body, 'hex'),
    resHeader: Buffer.from(json.response.header, 'hex'),
    resBody: Buffer.from(json.response.body, 'hex'),
    context: json.context ?? {},
  };
}

/** Hex literal → bytes; whitespace and `|` (field separators in the tests) are ignored. */
export function hex(text: string): Buffer {
  const clean = text.replace(/[\s|]/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex literal: ${text}`);
  return Buffer.from(clean, 'hex');
}

/** Field builders: each returns the bytes of one wire field. */
export const field = {
  u8(n: number): Buffer {
    return Buffer.of(n);
  },
  i32(n: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  },
  i64(n: number | bigint): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(n));
    return b;
  },
  /** char[size], NUL-padded (ASCII only). */
  str(s: string, size: number): Buffer {
    if (s.length > size) throw new Error(`field too long: ${s}`);
    const b = Buffer.alloc(size);
    b.write(s, 'latin1');
    return b;
  },
  raw(s: string): Buffer {
    return Buffer.from(s, 'latin1');
  },
};

export const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);

/** Runs `fn` and returns what it threw (fails the test when nothing was thrown). */
export function caught(fn: () => unknown): unknown {
  let value: unknown;
  try {
    value = fn();
  } catch (err) {
    return err;
  }
  expect.fail(`expected the call to throw, it returned ${inspect(value, { depth: 3 })}`);
  return undefined;
}

/** Asserts `fn` throws a ProtocolError with code FDFS_ERR_PROTOCOL (and, optionally, a message match). */
export function expectProtocolError(fn: () => unknown, message?: RegExp): ProtocolError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ProtocolError);
  expect(err).toBeInstanceOf(FdfsError);
  const pe = err as ProtocolError;
  expect(pe.code).toBe(ErrorCode.PROTOCOL);
  expect(pe.code).toBe('FDFS_ERR_PROTOCOL');
  if (message !== undefined) expect(pe.message).toMatch(message);
  return pe;
}
