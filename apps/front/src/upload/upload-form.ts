import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Request, RequestHandler, Response } from 'express';
import multer, { MulterError } from 'multer';
import typeis from 'type-is';
import { pictureTypeOf, type PictureType } from './picture-type.js';
import { plainBoundary, readPlainForm, type ParsedForm, type PlainFormBounds } from './plain-form.js';
import { UploadError } from './upload-errors.js';

/*
 * The multipart/form-data of upload.cgi: fields `session_key` and `type`, one file part `file`.
 * The whole body is read into memory (bounded below) before anything else is done with it.
 * Other text fields (a submit button's) are allowed and ignored, within the bounds.
 *
 * A body whose Content-Length is at most upload_max_size + FORM_SLACK is read whole first, and
 * the form a browser sends is taken from it by plain-form.ts; any other form goes to multer (the
 * same bytes, replayed), and so does a body too large or of unknown length (chunked), as it
 * arrives. Either way the answer is multer's: the fields, the file, the same errors.
 */
export interface UploadForm {
  /** 48 hex digits when well-formed; checked by the session gate. */
  sessionKey: string;
  /** The format the `type` field names. */
  declaredType: PictureType;
  file: { bytes: Buffer; name: string };
}

/** Bounds of everything but the file, far above what the form needs. */
export const FORM_LIMITS = Object.freeze({
  /** Text fields, ours and any others. */
  fields: 16,
  /** Bytes of a text field's value (a session key is 48). */
  fieldSize: 1024,
  fieldNameSize: 64,
  /** Fields and files together. */
  parts: 20,
  /** Header lines of one part. */
  headerPairs: 16,
});

/** Bytes of a body read whole besides the file: the text fields and part headers of a form within FORM_LIMITS. */
export const FORM_SLACK = 64 * 1024;

export interface UploadFormOptions {
  /** Bytes the file may have (upload_max_size). */
  maxSize: number;
  allowedTypes: readonly PictureType[];
}

export class UploadFormReader {
  private readonly multipart: RequestHandler;
  private readonly plainBounds: PlainFormBounds;

  constructor(private readonly options: UploadFormOptions) {
    this.plainBounds = { ...FORM_LIMITS, fileField: 'file', maxFileSize: options.maxSize };
    this.multipart = multer({
      storage: multer.memoryStorage(),
      limits: { ...FORM_LIMITS, files: 1, fileSize: options.maxSize },
      // Browsers send a file name as raw UTF-8 bytes; busboy would read them as latin1.
      defParamCharset: 'utf8',
    }).single('file');
  }

  /** The form of `req`, or an UploadError (notMultipart, badForm, fileTooLarge, unknownType). */
  async read(req: IncomingMessage, res: ServerResponse): Promise<UploadForm> {
    if (!isMultipartForm(req)) {
      throw new UploadError(
        'notMultipart',
        'upload.cgi takes multipart/form-data with the fields session_key, type and file',
      );
    }
    const { body, file } = await this.parse(req, res);
    const sessionKey = textField(body, 'session_key').trim();
    const declared = textField(body, 'type');
    if (file === undefined) throw new UploadError('badForm', 'the form has no file part named "file"');
    if (file.size === 0) throw new UploadError('badForm', `the file ${JSON.stringify(file.originalname)} is empty`);
    return {
      sessionKey,
      declaredType: this.declaredType(declared),
      file: { bytes: file.buffer, name: file.originalname },
    };
  }

  private async parse(req: IncomingMessage, res: ServerResponse): Promise<ParsedForm> {
    const boundary = plainBoundary(req.headers['content-type']);
    const length = Number(req.headers['content-length']);
    const whole =
      boundary !== undefined &&
      req.headers['transfer-encoding'] === undefined &&
      length <= this.options.maxSize + FORM_SLACK;
    if (!whole) return this.parseWithMulter(req, res);
    const received = await receiveBody(req);
    // A request that fails before its end is refused as multer refuses one (its first event).
    if (received instanceof Error) throw this.formError(received);
    const plain = readPlainForm(Buffer.concat(received), boundary, this.plainBounds);
    if (plain !== undefined) return plain;
    // The request's own members multer uses are its headers and the stream of its body.
    const replayed = Object.assign(Readable.from(received, { objectMode: false }), { headers: req.headers });
    return this.parseWithMulter(replayed as unknown as IncomingMessage, res);
  }

  private parseWithMulter(req: IncomingMessage, res: ServerResponse): Promise<ParsedForm> {
    // multer is written as Express middleware, but it uses only node:http's own members of the
    // request (headers, pipe, unpipe, resume, events) and none of the response, and sets `body`
    // and `file` on the request. upload.cgi runs without Express (upload-route.ts), so the plain
    // request is handed over as the type multer declares.
    const request = req as Request;
    return new Promise((resolve, reject) => {
      this.multipart(request, res as Response, (err?: unknown) => {
        if (err !== undefined) reject(this.formError(err));
        else resolve({ body: (request.body ?? {}) as Record<string, unknown>, file: request.file });
      });
    });
  }

  private formError(err: unknown): UploadError {
    if (err instanceof MulterError) {
      if (err.code === 'LIMIT_FILE_SIZE') {
        return new UploadError('fileTooLarge', `the file is larger than ${this.options.maxSize} bytes`, { cause: err });
      }
      const field = err.field === undefined ? '' : ` (field ${JSON.stringify(err.field)})`;
      return new UploadError('badForm', `${err.message}${field}`, { cause: err });
    }
    const reason = err instanceof Error ? err.message : String(err);
    return new UploadError('badForm', `malformed multipart/form-data: ${reason}`, { cause: err });
  }

  private declaredType(declared: string): PictureType {
    const type = pictureTypeOf(declared);
    if (type === undefined || !this.options.allowedTypes.includes(type)) {
      throw new UploadError(
        'unknownType',
        `type ${JSON.stringify(declared)} names no picture format this server accepts ` +
          `(${this.options.allowedTypes.join(', ')})`,
      );
    }
    return type;
  }
}

/**
 * The chunks of `req`'s body once it has ended, or the error multer would give a request that
 * fails first: the first of its events 'error', 'aborted', 'close' (listened to in multer's order).
 */
function receiveBody(req: IncomingMessage): Promise<Buffer[] | Error> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks));
    req.on('error', (err: Error | undefined) => resolve(err ?? new Error('Request error')));
    req.on('aborted', () => resolve(new Error('Request aborted')));
    req.on('close', () => {
      if (!req.readableEnded) resolve(new Error('Request closed'));
    });
  });
}

/**
 * What Express's req.is('multipart/form-data') answered when upload.cgi ran on Express: type-is,
 * which that calls, on the plain request (a body, and that media type in any case).
 */
export function isMultipartForm(req: IncomingMessage): boolean {
  return typeis(req, ['multipart/form-data']) === 'multipart/form-data';
}

function textField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value === 'string' && value !== '') return value;
  if (value === undefined || value === '') throw new UploadError('badForm', `the form has no ${name} field`);
  throw new UploadError('badForm', `the form's ${name} field is not one text value (given twice?)`);
}
