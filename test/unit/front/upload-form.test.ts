/**
 * isMultipartForm decides which requests upload.cgi reads as a form, as Express's
 * req.is('multipart/form-data') (type-is) did before upload.cgi ran on node:http: held to
 * type-is's own answer (media type alone) on the headers a client may send.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import typeis from 'type-is';
import { describe, expect, it } from 'vitest';
import { isMultipartForm } from '../../../apps/front/src/upload/upload-form.js';

/** type-is's answer on the media type alone (typeis.is), whether the request has a body aside. */
const isForm = (contentType: string | undefined): boolean =>
  contentType !== undefined && typeis.is(contentType, ['multipart/form-data']) === 'multipart/form-data';

const CONTENT_TYPES = [
  undefined,
  '',
  'multipart/form-data',
  'multipart/form-data; boundary=----x',
  'Multipart/Form-Data; boundary=x',
  'multipart/form-data ; boundary=x',
  ' \tmultipart/form-data\t; boundary=x',
  'multipart/form-data;boundary=x',
  'multipart/form-data; boundary="a b"; charset=utf-8',
  'multipart/form-data; garbage',
  'multipart/form-datax; boundary=x',
  'multipart/mixed; boundary=x',
  'multipart/*',
  'multipart /form-data',
  'multipart/form-data, text/plain',
  'application/x-www-form-urlencoded',
  'text/plain',
  'form-data',
  ';multipart/form-data',
];

const BODIES: IncomingHttpHeaders[] = [
  {},
  { 'content-length': '0' },
  { 'content-length': '1234' },
  { 'content-length': '' },
  { 'content-length': 'x' },
  { 'transfer-encoding': 'chunked' },
];

describe('isMultipartForm', () => {
  it('answers as type-is does for every pairing of Content-Type and body headers', () => {
    for (const contentType of CONTENT_TYPES) {
      for (const body of BODIES) {
        const headers: IncomingHttpHeaders = { ...body, 'content-type': contentType };
        if (contentType === undefined) delete headers['content-type'];
        const expected = typeis.hasBody({ headers } as IncomingMessage) && isForm(contentType);
        expect(isMultipartForm({ headers } as IncomingMessage), JSON.stringify(headers)).toBe(expected);
      }
    }
  });

  it('takes a multipart form with a body, and nothing without one', () => {
    const form = 'multipart/form-data; boundary=x';
    expect(isMultipartForm({ headers: { 'content-type': form, 'content-length': '10' } } as IncomingMessage)).toBe(
      true,
    );
    expect(isMultipartForm({ headers: { 'content-type': form } } as IncomingMessage)).toBe(false);
  });
});
