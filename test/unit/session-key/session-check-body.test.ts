/**
 * cmd 0x10B5's request body (frame-protocol commands/session-check.ts): the key's hex text, NUL
 * padding allowed; and docs/frame-protocol.md's section agreeing with the code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ResultCode,
  ResultError,
  SESSION_CHECK_MAX_BODY,
  decodeSessionCheckRequest,
  encodeSessionCheckRequest,
} from '@pic-storage/frame-protocol';
import { decodeSessionKey, encodeSessionStruct, SESSION_STRUCT_SIZE } from '@pic-storage/session-key';

const KEY = '6e037fcd6c7014bc2161ca524ecc997289ff0fda9b3e1885';

function refused(body: Buffer): ResultError {
  try {
    decodeSessionCheckRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ResultError);
    return err as ResultError;
  }
  throw new Error('expected a ResultError');
}

describe('session check request body', () => {
  it('is the hex text itself, 48 bytes', () => {
    const body = encodeSessionCheckRequest(KEY);
    expect(body).toEqual(Buffer.from(KEY, 'ascii'));
    expect(decodeSessionCheckRequest(body)).toBe(KEY);
  });

  it('a NUL terminator or NUL padding (a C char[N]) ends the text', () => {
    expect(decodeSessionCheckRequest(Buffer.from(`${KEY}\0`))).toBe(KEY);
    expect(decodeSessionCheckRequest(Buffer.concat([Buffer.from(KEY), Buffer.alloc(16)]))).toBe(KEY);
  });

  it('whatever else is passed on as text, for the key decoder to refuse', () => {
    expect(decodeSessionCheckRequest(Buffer.alloc(0))).toBe('');
    expect(decodeSessionCheckRequest(Buffer.from('short'))).toBe('short');
  });

  it('bytes after the NUL, or a body longer than any key, are SESSION_INVALID', () => {
    expect(refused(Buffer.from(`${KEY}\0junk`)).code).toBe(ResultCode.SESSION_INVALID);
    expect(refused(Buffer.alloc(SESSION_CHECK_MAX_BODY + 1, 0x30)).code).toBe(ResultCode.SESSION_INVALID);
    expect(decodeSessionCheckRequest(Buffer.alloc(SESSION_CHECK_MAX_BODY, 0x30))).toHaveLength(SESSION_CHECK_MAX_BODY);
  });
});

describe('docs/frame-protocol.md, cmd 0x10B5', () => {
  const doc = readFileSync(new URL('../../../docs/frame-protocol.md', import.meta.url), 'utf8');
  const section = doc.split(/^## /m).find((part) => part.startsWith('cmd 0x10B5')) ?? '';

  it('its example key, checked, answers the example body', () => {
    const example = /answers the body\s+`([0-9a-f ]+)`/.exec(section);
    expect(example).not.toBeNull();
    const body = encodeSessionStruct(decodeSessionKey(KEY, 'pic$KEY1'));
    expect(body).toEqual(Buffer.from((example?.[1] ?? '').replace(/ /g, ''), 'hex'));
    expect(section).toContain(`\`${KEY}\``);
  });

  it('its response table covers the 18 bytes, field after field', () => {
    const rows = [...section.matchAll(/^\| (\d+) \| (\w+) \| (uint16|4 bytes) \|/gm)];
    const sizes = rows.map((row) => (row[3] === 'uint16' ? 2 : 4));
    expect(rows.map((row) => Number(row[1]))).toEqual(
      sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0)),
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(SESSION_STRUCT_SIZE);
  });
});
