/**
 * plain-form.ts against multer: on every form it reads, its fields and file are multer's, byte
 * for byte (multer configured as UploadFormReader configures it); every form it leaves to multer
 * is one it cannot be sure of. The forms: what browsers and undici send, and the odd ones around
 * them (names and file names busboy decodes, charsets, duplicates, limits, preambles, epilogues).
 */
import { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import multer from 'multer';
import { describe, expect, it } from 'vitest';
import { readPlainForm, plainBoundary, type ParsedForm } from '../../../apps/front/src/upload/plain-form.js';
import { FORM_LIMITS } from '../../../apps/front/src/upload/upload-form.js';

const MAX_SIZE = 4096;
const BOUNDS = { ...FORM_LIMITS, fileField: 'file', maxFileSize: MAX_SIZE };
const BOUNDARY = '----formdata-undici-0123456789';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

const multipart = multer({
  storage: multer.memoryStorage(),
  limits: { ...FORM_LIMITS, files: 1, fileSize: MAX_SIZE },
  defParamCharset: 'utf8',
}).single('file');

/** multer's reading of `body`: its fields and file, or its error's message. */
function multerRead(body: Buffer, contentType = CONTENT_TYPE): Promise<ParsedForm | string> {
  const req = Object.assign(Readable.from([body], { objectMode: false }), {
    headers: { 'content-type': contentType, 'content-length': String(body.length) },
  }) as unknown as Request;
  return new Promise((resolve) => {
    multipart(req, {} as Response, (err?: unknown) => {
      if (err !== undefined) resolve(err instanceof Error ? err.message : String(err));
      else resolve({ body: req.body as Record<string, unknown>, file: req.file });
    });
  });
}

type Part = string | Buffer;
const field = (name: string, value: Part, extra = ''): Part[] => [
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n${extra}\r\n`,
  value,
  '\r\n',
];
const filePart = (name: string, fileName: Part, bytes: Buffer, type = 'Content-Type: image/jpeg\r\n'): Part[] => [
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="`,
  fileName,
  `"\r\n${type}\r\n`,
  bytes,
  '\r\n',
];
const bodyOf = (parts: Part[][], end: Part = `--${BOUNDARY}--\r\n`): Buffer =>
  Buffer.concat([...parts.flat(), end].map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

const PICTURE = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 7919) % 256));
/** Bytes that look like the boundary but are not it, inside the file. */
const TRICKY = Buffer.concat([PICTURE, Buffer.from(`\r\n--${BOUNDARY.slice(0, 20)}\r\n--x`), PICTURE]);

const KEY = 'a'.repeat(48);
const basic = (file: Buffer = PICTURE, fileName: Part = 'a.jpg'): Part[][] => [
  field('session_key', KEY),
  field('type', 'jpg'),
  filePart('file', fileName, file),
];

/** Forms a browser sends: the plain reader must take them. */
const COMMON: [string, Buffer][] = [
  ['undici', bodyOf(basic())],
  ['no final CRLF', bodyOf(basic(), `--${BOUNDARY}--`)],
  ['epilogue', bodyOf(basic(), `--${BOUNDARY}--\r\nanything after`)],
  ['file first', bodyOf([filePart('file', 'b.png', PICTURE), field('session_key', KEY), field('type', 'png')])],
  ['a submit button', bodyOf([...basic(), field('submit', 'Upload')])],
  ['a UTF-8 file name', bodyOf(basic(PICTURE, utf8('头像 photo.jpg')))],
  ['no Content-Type on the file', bodyOf([field('type', 'jpg'), filePart('file', 'c.jpg', PICTURE, '')])],
  ['boundary-like bytes in the file', bodyOf(basic(TRICKY))],
  ['an empty file', bodyOf(basic(Buffer.alloc(0)))],
  ['a file of exactly the limit', bodyOf(basic(Buffer.alloc(MAX_SIZE, 1)))],
  ['an empty value', bodyOf([field('session_key', ''), field('type', 'jpg'), filePart('file', 'a.jpg', PICTURE)])],
  ['a file name with ; and =', bodyOf(basic(PICTURE, 'a;b=c.jpg'))],
];

/** Forms around them: either reader may take them, and where the plain one does, it must agree. */
const ODD: [string, Buffer, string?][] = [
  ['preamble', bodyOf(basic(), `--${BOUNDARY}--\r\n`).subarray(0)],
  ['a preamble before the first part', Buffer.concat([Buffer.from('preamble\r\n'), bodyOf(basic())])],
  ['a file name with %22', bodyOf(basic(PICTURE, 'a%22b.jpg'))],
  ['a file name with a path', bodyOf(basic(PICTURE, 'C:\\dir\\a.jpg'))],
  ['a file name with a slash', bodyOf(basic(PICTURE, 'dir/a.jpg'))],
  ['a file name ..', bodyOf(basic(PICTURE, '..'))],
  ['an empty file name', bodyOf(basic(PICTURE, ''))],
  ['a file name of bad UTF-8', bodyOf(basic(PICTURE, Buffer.from([0x61, 0xff, 0xfe, 0x2e, 0x6a])))],
  ['a latin1 value', bodyOf([field('session_key', Buffer.from([0xe9])), ...basic().slice(1)])],
  ['a value with CRLF', bodyOf([field('session_key', 'a\r\nb'), ...basic().slice(1)])],
  [
    'a charset on a field',
    bodyOf([field('session_key', KEY, 'Content-Type: text/plain; charset=latin1\r\n'), ...basic().slice(1)]),
  ],
  [
    'an octet-stream field',
    bodyOf([field('session_key', KEY, 'Content-Type: application/octet-stream\r\n'), ...basic().slice(1)]),
  ],
  ['a field twice', bodyOf([...basic(), field('type', 'png')])],
  ['a bracketed name', bodyOf([field('session_key[0]', KEY), ...basic().slice(1)])],
  ['a name with %0A', bodyOf([field('a%0Ab', 'x'), ...basic()])],
  ['a second file', bodyOf([...basic(), filePart('file', 'b.jpg', PICTURE)])],
  ['a file under another name', bodyOf([field('session_key', KEY), filePart('picture', 'a.jpg', PICTURE)])],
  ['a text field named file', bodyOf([field('session_key', KEY), field('file', 'x')])],
  ['a file over the limit', bodyOf(basic(Buffer.alloc(MAX_SIZE + 1, 1)))],
  ['a long value', bodyOf([field('session_key', 'k'.repeat(1025)), ...basic().slice(1)])],
  ['a long name', bodyOf([field('n'.repeat(65), 'x'), ...basic()])],
  ['many fields', bodyOf([...Array.from({ length: 17 }, (_, i) => field(`f${i}`, 'x')), ...basic()])],
  ['many parts', bodyOf([...Array.from({ length: 21 }, (_, i) => field(`f${i}`, 'x')), ...basic()])],
  ['lower-case headers', Buffer.from(bodyOf(basic()).toString('latin1').replaceAll('Content-', 'content-'), 'latin1')],
  ['no close delimiter', bodyOf(basic(), '')],
  ['cut in the file', bodyOf(basic()).subarray(0, 700)],
  [
    'padding after a boundary',
    Buffer.from(bodyOf(basic()).toString('latin1').replace(`${BOUNDARY}\r\n`, `${BOUNDARY}  \r\n`), 'latin1'),
  ],
  ['an extra part header', bodyOf([field('session_key', KEY, 'X-Note: 1\r\n'), ...basic().slice(1)])],
];

async function expectSame(name: string, body: Buffer): Promise<boolean> {
  const boundary = plainBoundary(CONTENT_TYPE) as string;
  const plain = readPlainForm(body, boundary, BOUNDS);
  if (plain === undefined) return false;
  const reference = await multerRead(body);
  expect(typeof reference, `${name}: multer refused what the plain reader took: ${String(reference)}`).toBe('object');
  const { body: fields, file } = reference as ParsedForm;
  expect({ ...plain.body }, name).toEqual({ ...fields });
  expect(Object.getPrototypeOf(plain.body), name).toBe(Object.getPrototypeOf(fields));
  expect(plain.file === undefined, name).toBe(file === undefined);
  if (plain.file !== undefined && file !== undefined) {
    expect(plain.file.originalname, name).toBe(file.originalname);
    expect(plain.file.size, name).toBe(file.size);
    expect(plain.file.buffer.equals(file.buffer), name).toBe(true);
  }
  return true;
}

describe('readPlainForm', () => {
  it('reads the forms browsers send, as multer does', async () => {
    for (const [name, body] of COMMON) expect(await expectSame(name, body), `${name}: left to multer`).toBe(true);
  });

  it('agrees with multer on every odd form it reads, and leaves the rest to it', async () => {
    const left: string[] = [];
    for (const [name, body] of ODD) if (!(await expectSame(name, body))) left.push(name);
    // What a reader cannot be sure of is multer's: each of these needs busboy's or multer's rules.
    for (const name of ['a preamble before the first part', 'a file name with %22', 'a second file', 'a field twice']) {
      expect(left, name).toContain(name);
    }
  });

  it('takes only a plain boundary from the Content-Type', () => {
    expect(plainBoundary('multipart/form-data; boundary=----WebKitFormBoundaryAbC123')).toBe(
      '----WebKitFormBoundaryAbC123',
    );
    expect(plainBoundary('Multipart/Form-Data;boundary=x_y-z')).toBe('x_y-z');
    for (const odd of [
      undefined,
      'multipart/form-data',
      'multipart/form-data; boundary="quoted"',
      'multipart/form-data; boundary=a; charset=utf-8',
      'multipart/form-data; boundary=a.b',
      `multipart/form-data; boundary=${'b'.repeat(71)}`,
    ]) {
      expect(plainBoundary(odd), odd).toBeUndefined();
    }
  });
});
