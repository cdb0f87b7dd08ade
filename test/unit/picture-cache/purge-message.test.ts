/**
 * The purge broadcast's message: {"from": instance id, "keys": [...]}, at most 4096 keys each;
 * anything else is refused with a reason (the receiver logs it and goes on).
 */
import { describe, expect, it } from 'vitest';
import {
  decodePurgeMessage,
  encodePurgeMessages,
  MAX_PURGE_KEY_LENGTH,
  MAX_PURGE_KEYS,
} from '@pic-storage/picture-cache';

describe('purge messages', () => {
  it('encodes {from, keys} as JSON and decodes it back', () => {
    const keys = ['g01/M00/00/00/CgEBxVxREbmAUETXAAEqVyZGQRY768.jpg', 'g02/M00/01/02/x"y\\z.png'];
    const [message, ...rest] = encodePurgeMessages('instance-a', keys);
    expect(rest).toEqual([]);
    expect(JSON.parse(message as string)).toEqual({ from: 'instance-a', keys });
    expect(decodePurgeMessage(message as string)).toEqual({ from: 'instance-a', keys });
  });

  it(`splits a long purge into messages of ${MAX_PURGE_KEYS} keys at most`, () => {
    const keys = Array.from({ length: 2 * MAX_PURGE_KEYS + 5 }, (_, i) => `g01/M00/00/00/k${i}.jpg`);
    const decoded = encodePurgeMessages('a', keys).map(decodePurgeMessage);
    expect(decoded.map((m) => (typeof m === 'string' ? m : m.keys.length))).toEqual([
      MAX_PURGE_KEYS,
      MAX_PURGE_KEYS,
      5,
    ]);
    expect(decoded.flatMap((m) => (typeof m === 'string' ? [] : m.keys))).toEqual(keys);
    expect(encodePurgeMessages('a', [])).toEqual([]);
  });

  it.each([
    ['not JSON', 'purge g01/M00/00/00/a.jpg', /not JSON/],
    ['an array', '["a"]', /"from"/],
    ['null', 'null', /not a JSON object/],
    ['no from', '{"keys":["a"]}', /"from"/],
    ['an empty from', '{"from":"","keys":["a"]}', /"from"/],
    ['keys not an array', '{"from":"b","keys":"a"}', /"keys"/],
    ['no keys', '{"from":"b","keys":[]}', /"keys"/],
    ['a key not a string', '{"from":"b","keys":["a",7]}', /a key/],
    ['an empty key', '{"from":"b","keys":[""]}', /a key/],
    ['a key too long', JSON.stringify({ from: 'b', keys: ['x'.repeat(MAX_PURGE_KEY_LENGTH + 1)] }), /a key/],
    ['too many keys', JSON.stringify({ from: 'b', keys: Array(MAX_PURGE_KEYS + 1).fill('k') }), /"keys"/],
    ['far too long to parse', ' '.repeat(MAX_PURGE_KEYS * (MAX_PURGE_KEY_LENGTH + 3) + 2048), /longer than/],
  ])('refuses %s', (_, text, why) => {
    expect(decodePurgeMessage(text)).toMatch(why);
  });
});
