import type { Request, RequestHandler, Response } from 'express';
import multer, { MulterError } from 'multer';
import { pictureTypeOf, type PictureType } from './picture-type.js';
import { UploadError } from './upload-errors.js';

/*
 * The multipart/form-data of upload.cgi: fields `session_key` and `type`, one file part `file`.
 * The whole body is read into memory (bounded below) before anything else is done with it.
 * Other text fields (a submit button's) are allowed and ignored, within the bounds.
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

export interface UploadFormOptions {
  /** Bytes the file may have (upload_max_size). */
  maxSize: number;
  allowedTypes: readonly PictureType[];
}

export class UploadFormReader {
  private readonly multipart: RequestHandler;

  constructor(private readonly options: UploadFormOptions) {
    this.multipart = multer({
      storage: multer.memoryStorage(),
      limits: { ...FORM_LIMITS, files: 1, fileSize: options.maxSize },
      // Browsers send a file name as raw UTF-8 bytes; busboy would read them as latin1.
      defParamCharset: 'utf8',
    }).single('file');
  }

  /** The form of `req`, or an UploadError (notMultipart, badForm, fileTooLarge, unknownType). */
  async read(req: Request, res: Response): Promise<UploadForm> {
    if (req.is('multipart/form-data') !== 'multipart/form-data') {
      throw new UploadError(
        'notMultipart',
        'upload.cgi takes multipart/form-data with the fields session_key, type and file',
      );
    }
    await this.parse(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const sessionKey = textField(body, 'session_key').trim();
    const declared = textField(body, 'type');
    const file = req.file;
    if (file === undefined) throw new UploadError('badForm', 'the form has no file part named "file"');
    if (file.size === 0) throw new UploadError('badForm', `the file ${JSON.stringify(file.originalname)} is empty`);
    return {
      sessionKey,
      declaredType: this.declaredType(declared),
      file: { bytes: file.buffer, name: file.originalname },
    };
  }

  private parse(req: Request, res: Response): Promise<void> {
    return new Promise((resolve, reject) => {
      this.multipart(req, res, (err?: unknown) => (err === undefined ? resolve() : reject(this.formError(err))));
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

function textField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value === 'string' && value !== '') return value;
  if (value === undefined || value === '') throw new UploadError('badForm', `the form has no ${name} field`);
  throw new UploadError('badForm', `the form's ${name} field is not one text value (given twice?)`);
}
