/**
 * The result-code catalogue (in the spirit of fastify's test/internals/errors.test.js): codes
 * unique and in range, each with its text, each name its own key, and docs/frame-protocol.md's
 * table the same table, row for row (the test reads the doc).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  RESULT_CODE_TEXT,
  ResultCode,
  ResultError,
  badArgument,
  badBody,
  describeResult,
  isResultCode,
  resultName,
  type ResultCodeName,
} from '@pic-storage/frame-protocol';

const ENTRIES = Object.entries(ResultCode) as [ResultCodeName, number][];
const DOC = readFileSync(new URL('../../../docs/frame-protocol.md', import.meta.url), 'utf8');

/** The rows of the doc's "Result codes" table: `| ret | name | meaning |`. */
function docTable(): { ret: number; name: string; meaning: string }[] {
  const section = DOC.split(/^## /m).find((part) => part.startsWith('Result codes'));
  if (section === undefined) throw new Error('docs/frame-protocol.md has no "## Result codes" section');
  return section
    .split('\n')
    .filter((line) => /^\| \d+ \|/.test(line))
    .map((line) => {
      const [ret, name, meaning] = line
        .split('|')
        .slice(1, 4)
        .map((cell) => cell.trim());
      return { ret: Number(ret), name: name ?? '', meaning: meaning ?? '' };
    });
}

describe('ResultCode', () => {
  it('codes are unique uint32s, 0 only for OK', () => {
    const codes = ENTRIES.map(([, code]) => code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, code] of ENTRIES) {
      expect(Number.isInteger(code) && code >= 0 && code <= 0xffffffff).toBe(true);
      expect(code === 0).toBe(name === 'OK');
    }
  });

  it('has 13 codes (a new code needs a row in docs/frame-protocol.md and here)', () => {
    expect(ENTRIES).toHaveLength(13);
  });

  it.each(ENTRIES)('%s (%i) has a text, and its name is its key', (name, code) => {
    expect(name).toMatch(/^[A-Z][A-Z_]*$/);
    expect(RESULT_CODE_TEXT[name]?.length).toBeGreaterThan(0);
    expect(resultName(code)).toBe(name);
    expect(isResultCode(code)).toBe(true);
    expect(describeResult(code)).toBe(`${code} ${name} (${RESULT_CODE_TEXT[name]})`);
  });

  it('every text belongs to a code', () => {
    expect(Object.keys(RESULT_CODE_TEXT).sort()).toEqual(ENTRIES.map(([name]) => name).sort());
  });

  it('a code outside the catalogue is named by its number', () => {
    expect(isResultCode(4242)).toBe(false);
    expect(resultName(4242)).toBe('ret 4242');
    expect(describeResult(4242)).toBe('ret 4242 (unknown result code)');
  });

  it.each(ENTRIES)('%s (%i) is in the table of docs/frame-protocol.md, with its text', (name, code) => {
    expect(docTable()).toContainEqual({ ret: code, name, meaning: RESULT_CODE_TEXT[name] });
  });

  it('the doc table has no row the catalogue lacks, in ascending order', () => {
    const rows = docTable();
    expect(rows.map((row) => row.ret)).toEqual(ENTRIES.map(([, code]) => code).sort((a, b) => a - b));
  });
});

describe('ResultError', () => {
  it('carries its code; the default message describes it', () => {
    const err = new ResultError(ResultCode.NOT_FOUND);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ResultError');
    expect(err.code).toBe(1004);
    expect(err.message).toBe('1004 NOT_FOUND (the file does not exist)');
  });

  it('badBody and badArgument', () => {
    expect([badBody('x').code, badBody('x').message]).toEqual([1001, 'x']);
    expect([badArgument('y').code, badArgument('y').message]).toEqual([1003, 'y']);
  });

  it('keeps its cause', () => {
    const cause = new Error('socket hang up');
    expect(new ResultError(ResultCode.STORAGE_UNAVAILABLE, 'fdfs down', { cause }).cause).toBe(cause);
  });
});
