/**
 * upload.cgi's failure table: each failure's status and code, as the code has them and as
 * docs/services/front-upload.md lists them (one table, held equal here), every code from the
 * frame-protocol catalogue.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isResultCode, ResultCode } from '@pic-storage/frame-protocol';
import { UPLOAD_FAILURES, UploadError, type UploadFailure } from '../../../apps/front/src/upload/upload-errors.js';

const DOC = new URL('../../../docs/services/front-upload.md', import.meta.url);

/** The rows of the table after the `upload-failures` marker: failure → [status, code]. */
function documentedFailures(): Map<string, [number, number]> {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf('<!-- upload-failures');
  expect(start).toBeGreaterThan(-1);
  const rows = new Map<string, [number, number]>();
  for (const line of text.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [name, status, code] = line
      .split('|')
      .map((cell) => cell.trim())
      .slice(1);
    if (name === 'failure' || name?.startsWith('---')) continue;
    rows.set(name as string, [Number(status), Number(code)]);
  }
  return rows;
}

describe('upload.cgi failures', () => {
  it('are documented, each with the status and code the code answers, in the same order', () => {
    const documented = documentedFailures();
    const inCode = new Map(
      Object.entries(UPLOAD_FAILURES).map(([name, { status, code }]) => [name, [status, code] as [number, number]]),
    );
    expect([...documented.entries()]).toEqual([...inCode.entries()]);
  });

  it('answer a catalogued result code with a 4xx or 5xx status', () => {
    for (const [name, { status, code }] of Object.entries(UPLOAD_FAILURES)) {
      expect(isResultCode(code), name).toBe(true);
      expect(code, name).not.toBe(ResultCode.OK);
      expect(status >= 400 && status < 600, name).toBe(true);
    }
  });

  it('give an UploadError its status and code', () => {
    for (const failure of Object.keys(UPLOAD_FAILURES) as UploadFailure[]) {
      const err = new UploadError(failure, 'why');
      expect([err.status, err.code, err.message]).toEqual([
        UPLOAD_FAILURES[failure].status,
        UPLOAD_FAILURES[failure].code,
        'why',
      ]);
    }
  });
});
