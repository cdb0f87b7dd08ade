/**
 * The protocol functions the client re-exports (formatAddress, parseAddress, buildSlaveFilename)
 * and the validators behind them, called from plain JavaScript with values of the wrong type: an
 * InvalidArgumentError naming the argument and what was passed, never a TypeError from inside and
 * never a name quietly built from `String(x)`.
 */
import { describe, expect, it } from 'vitest';
import {
  buildSlaveFilename,
  describeValue,
  ErrorCode,
  formatAddress,
  InvalidArgumentError,
  parseAddress,
  validateExt,
  validateSlavePrefix,
} from 'fastdfs-protocol';
import * as client from 'fastdfs-client-ts';
import { caught } from '../../helpers/golden.js';

const MASTER = 'M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzo803.txt';

function invalidArgument(fn: () => unknown): string {
  const err = caught(fn);
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect((err as InvalidArgumentError).code).toBe(ErrorCode.INVALID_ARGUMENT);
  return (err as Error).message;
}

/** Calls `fn` with arguments TypeScript would refuse, as JavaScript callers can. */
const loose = <A extends unknown[], R>(fn: (...args: A) => R) => fn as unknown as (...args: unknown[]) => R;

describe('formatAddress', () => {
  it.each([
    [undefined, 'undefined'],
    [null, 'null'],
    ['127.0.0.1:22122', 'a string ("127.0.0.1:22122")'],
    [{ host: 1, port: 22122 }, 'an object'],
    [{ host: 'h' }, 'an object'],
    [{ host: 'h', port: '22122' }, 'an object'],
  ])('%j → InvalidArgumentError', (value, described) => {
    expect(invalidArgument(() => loose(formatAddress)(value))).toBe(
      `address must be { host: string, port: number }, got ${described}`,
    );
  });

  it('still formats IPv4, names and IPv6', () => {
    expect(formatAddress({ host: '10.0.0.1', port: 22122 })).toBe('10.0.0.1:22122');
    expect(formatAddress({ host: '::1', port: 23000 })).toBe('[::1]:23000');
  });
});

describe('parseAddress', () => {
  it.each([
    [42, 'a number (42)'],
    [undefined, 'undefined'],
    [{ host: 'h', port: 1 }, 'an object'],
    [Buffer.from('h:1'), 'a Buffer of 3 bytes'],
  ])('%j → InvalidArgumentError', (value, described) => {
    expect(invalidArgument(() => loose(parseAddress)(value, 'tracker'))).toBe(
      `tracker must be a "host:port" string, got ${described}`,
    );
  });

  it('still parses host:port and [v6]:port', () => {
    expect(parseAddress('tracker.example:22122')).toEqual({ host: 'tracker.example', port: 22122 });
    expect(parseAddress('[::1]:22122')).toEqual({ host: '::1', port: 22122 });
  });
});

describe('buildSlaveFilename', () => {
  it('a master filename that is not a string', () => {
    expect(invalidArgument(() => loose(buildSlaveFilename)(42, '_s', 'jpg'))).toBe(
      'master filename must be a string, got a number (42)',
    );
    expect(invalidArgument(() => loose(buildSlaveFilename)(undefined, '_s', 'jpg'))).toBe(
      'master filename must be a string, got undefined',
    );
  });

  it('a prefix that is not a string is refused, not turned into "150"', () => {
    expect(invalidArgument(() => loose(buildSlaveFilename)(MASTER, 150, 'jpg'))).toBe(
      'slave prefix must be a string, got a number (150)',
    );
  });

  it('an ext that is not a string', () => {
    expect(invalidArgument(() => loose(buildSlaveFilename)(MASTER, '_s', null))).toBe(
      'file extension must be a string, got null',
    );
    expect(invalidArgument(() => loose(buildSlaveFilename)(MASTER, '_s', ['jpg']))).toBe(
      'file extension must be a string, got an array',
    );
  });

  it('the validators behind it check the type too', () => {
    expect(invalidArgument(() => loose(validateSlavePrefix)(150))).toMatch(/slave prefix must be a string/);
    expect(invalidArgument(() => loose(validateExt)(7))).toMatch(/file extension must be a string/);
  });

  it('still builds names from strings', () => {
    expect(buildSlaveFilename(MASTER, '_150x150', 'jpg')).toBe('M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzo803_150x150.jpg');
  });
});

describe('the same functions as the client exports them', () => {
  it('are the checked ones', () => {
    expect(caught(() => loose(client.formatAddress)(undefined))).toBeInstanceOf(client.InvalidArgumentError);
    expect(caught(() => loose(client.parseAddress)(42))).toBeInstanceOf(client.InvalidArgumentError);
    expect(caught(() => loose(client.buildSlaveFilename)(42, '_s', 'jpg'))).toBeInstanceOf(client.InvalidArgumentError);
    expect(caught(() => loose(client.buildSlaveFilename)(MASTER, 150, 'jpg'))).toBeInstanceOf(
      client.InvalidArgumentError,
    );
  });
});

describe('describeValue', () => {
  it.each([
    [undefined, 'undefined'],
    [null, 'null'],
    ['x'.repeat(50), `a string (${JSON.stringify(`${'x'.repeat(40)}…`)})`],
    [3n, 'a bigint (3)'],
    [true, 'a boolean (true)'],
    [() => 1, 'a function'],
    [Symbol('s'), 'a symbol'],
    [[1], 'an array'],
    [{}, 'an object'],
  ])('%s → %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});
