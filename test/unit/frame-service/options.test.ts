/** FrameServer and FrameClient options: defaults, and every bad value refused at construction, named. */
import { describe, expect, it } from 'vitest';
import { FRAME_CLIENT_DEFAULTS, FRAME_SERVER_DEFAULTS, FrameClient, FrameServer } from '@pic-storage/frame-service';
import { resolveFrameServerOptions } from '../../../libs/frame-service/src/server-options.js';
import { resolveFrameClientOptions } from '../../../libs/frame-service/src/client-options.js';

const handlers = new Map();

describe('FrameServer options', () => {
  it('defaults', () => {
    expect(FRAME_SERVER_DEFAULTS).toEqual({
      host: '127.0.0.1',
      maxConnections: 1024,
      maxInFlightPerConnection: 64,
      idleTimeoutMs: 300_000,
      maxFrameLength: 1024 * 1024,
      maxUnreadReplyBytes: 4 * 1024 * 1024,
      stopTimeoutMs: 7_000,
    });
    const resolved = resolveFrameServerOptions({ handlers, port: 0, maxConnections: undefined });
    expect(resolved).toMatchObject(FRAME_SERVER_DEFAULTS);
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it.each([
    ['maxConnections', 0, 'maxConnections must be a positive integer, got 0'],
    ['maxInFlightPerConnection', 1.5, 'maxInFlightPerConnection must be a positive integer, got 1.5'],
    ['idleTimeoutMs', -1, 'idleTimeoutMs must be a positive integer, got -1'],
    ['maxUnreadReplyBytes', Number.NaN, 'maxUnreadReplyBytes must be a positive integer, got NaN'],
    ['stopTimeoutMs', 0, 'stopTimeoutMs must be a positive integer, got 0'],
    ['maxFrameLength', 17, 'maxFrameLength must be an integer in 18..2^32-1, got 17'],
    ['maxFrameLength', 2 ** 32, 'maxFrameLength must be an integer in 18..2^32-1, got 4294967296'],
    ['port', 65536, 'port must be an integer in 0..65535, got 65536'],
  ])('%s = %s is refused', (key, value, message) => {
    expect(() => new FrameServer({ handlers, port: 0, [key]: value })).toThrow(message);
  });

  it('a handler for a cmd that is not a uint16 is refused', () => {
    expect(() => new FrameServer({ handlers: new Map([[0x10000, () => ({})]]), port: 0 })).toThrow(
      'handler cmd 65536 is not a uint16',
    );
  });
});

describe('FrameClient options', () => {
  it('defaults', () => {
    expect(FRAME_CLIENT_DEFAULTS).toEqual({
      connectTimeoutMs: 3_000,
      requestTimeoutMs: 10_000,
      maxInFlight: 1024,
      maxFrameLength: 1024 * 1024,
      idleTimeoutMs: 60_000,
    });
    const resolved = resolveFrameClientOptions({ host: 'h', port: 1, requestTimeoutMs: undefined });
    expect(resolved).toMatchObject({ ...FRAME_CLIENT_DEFAULTS, host: 'h', port: 1 });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('the client closes an idle connection before a server with default options would', () => {
    expect(FRAME_CLIENT_DEFAULTS.idleTimeoutMs).toBeLessThan(FRAME_SERVER_DEFAULTS.idleTimeoutMs);
  });

  it.each([
    ['host', '', 'host must be a non-empty string'],
    ['port', 0, 'port must be an integer in 1..65535, got 0'],
    ['connectTimeoutMs', 0, 'connectTimeoutMs must be a positive integer, got 0'],
    ['requestTimeoutMs', -5, 'requestTimeoutMs must be a positive integer, got -5'],
    ['maxInFlight', 0.5, 'maxInFlight must be a positive integer, got 0.5'],
    ['idleTimeoutMs', Infinity, 'idleTimeoutMs must be a positive integer, got Infinity'],
    ['maxFrameLength', 10, 'maxFrameLength must be an integer in 18..2^32-1, got 10'],
  ])('%s = %s is refused', (key, value, message) => {
    expect(() => new FrameClient({ host: '127.0.0.1', port: 1, [key]: value })).toThrow(message);
  });
});
