/**
 * resolveOptions (resolveClientOptions): defaults, validation, frozen results.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from 'fastdfs-client-ts/errors';
import { DEFAULTS, resolveClientOptions as resolveOptions } from 'fastdfs-client-ts';
import { caught } from '../../helpers/golden.js';

function configError(fn: () => unknown): ConfigError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).code).toBe(ErrorCode.INVALID_CONFIG);
  return err as ConfigError;
}

describe('resolveOptions', () => {
  it('fills the defaults and parses trackers', () => {
    const r = resolveOptions({ trackers: ['10.0.0.1:22122', { host: 'tracker.example', port: 22123 }] });
    expect(r).toEqual({
      trackers: [
        { host: '10.0.0.1', port: 22122 },
        { host: 'tracker.example', port: 22123 },
      ],
      connectTimeout: 5000,
      networkTimeout: 30000,
      pool: { maxSize: 10, acquireTimeout: 10000, maxWaiting: 10000, idleTimeout: 60000 },
      trackerRetryInterval: 10000,
      maxResponseBody: 16 * 1024 * 1024,
      directReads: true,
      storageListTtl: 10000,
      storageSyncFileMaxDelay: 86400000,
    });
  });

  it('merges a partial pool over the defaults', () => {
    expect(resolveOptions({ trackers: ['h:1'], pool: { maxSize: 3, maxWaiting: 0 } }).pool).toEqual({
      maxSize: 3,
      acquireTimeout: 10000,
      maxWaiting: 0,
      idleTimeout: 60000,
    });
  });

  it.each([
    [{ pool: { maxSize: 0 } }, 'pool.maxSize must be a positive integer, got 0'],
    [{ pool: { maxSize: 1.5 } }, 'pool.maxSize must be a positive integer, got 1.5'],
    [{ pool: { acquireTimeout: -1 } }, 'pool.acquireTimeout must be a positive integer, got -1'],
    [{ pool: { maxWaiting: -1 } }, 'pool.maxWaiting must be a non-negative integer, got -1'],
    [{ pool: { idleTimeout: Number.NaN } }, 'pool.idleTimeout must be a positive integer, got NaN'],
    [{ connectTimeout: 0 }, 'connectTimeout must be a positive integer, got 0'],
    [{ networkTimeout: Infinity }, 'networkTimeout must be a positive integer, got Infinity'],
    [{ trackerRetryInterval: -5 }, 'trackerRetryInterval must be a non-negative integer, got -5'],
    [{ maxResponseBody: 0 }, 'maxResponseBody must be a positive integer, got 0'],
    [{ directReads: 'yes' }, 'directReads must be true or false, got a string ("yes")'],
    [{ storageListTtl: 0 }, 'storageListTtl must be a positive integer, got 0'],
    [{ storageSyncFileMaxDelay: -1 }, 'storageSyncFileMaxDelay must be a non-negative integer, got -1'],
  ])('%j → "%s"', (bad, message) => {
    const options = { trackers: ['h:1'], ...bad } as Parameters<typeof resolveOptions>[0];
    expect(configError(() => resolveOptions(options)).message).toBe(message);
  });

  it.each([
    [[], /trackers must list at least one tracker/],
    [['nohost'], /trackers\[0\] "nohost" must be host:port/],
    [['h:1', 'h:70000'], /trackers\[1\] "h:70000": port must be 1-65535/],
    [['h:0'], /trackers\[0\] "h:0": port must be 1-65535/],
    [[{ host: 'h', port: 0 }], /trackers\[0\]/],
  ])('trackers %j → ConfigError', (trackers, message) => {
    expect(configError(() => resolveOptions({ trackers: trackers as string[] })).message).toMatch(message);
  });

  it('trackers must be an array', () => {
    configError(() => resolveOptions({ trackers: 'h:1' as unknown as string[] }));
  });

  it('the result is frozen, its pool too', () => {
    const r = resolveOptions({ trackers: ['h:1'] });
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.pool)).toBe(true);
    expect(() => {
      (r as { connectTimeout: number }).connectTimeout = 1;
    }).toThrow(TypeError);
    expect(() => {
      (r.pool as { maxSize: number }).maxSize = 1;
    }).toThrow(TypeError);
  });

  // Regression (bug at 5cfe357, options.ts 63-64, fixed in 38ff1cd): only the top level and `pool` were
  // frozen; `trackers` (and each address) stayed mutable after validation.
  it('the resolved tracker list is frozen too', () => {
    const r = resolveOptions({ trackers: ['h:1'] });
    expect(Object.isFrozen(r.trackers)).toBe(true);
    expect(Object.isFrozen(r.trackers[0])).toBe(true);
  });

  it("does not share the caller's pool object", () => {
    const pool = { maxSize: 4 };
    const r = resolveOptions({ trackers: ['h:1'], pool });
    pool.maxSize = 99;
    expect(r.pool.maxSize).toBe(4);
  });

  it('DEFAULTS are frozen', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
    expect(Object.isFrozen(DEFAULTS.pool)).toBe(true);
    expect(DEFAULTS).toEqual({
      connectTimeout: 5000,
      networkTimeout: 30000,
      pool: { maxSize: 10, acquireTimeout: 10000, maxWaiting: 10000, idleTimeout: 60000 },
      trackerRetryInterval: 10000,
      maxResponseBody: 16777216,
      directReads: true,
      storageListTtl: 10000,
      storageSyncFileMaxDelay: 86400000,
    });
  });
});
