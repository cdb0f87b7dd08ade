/*
 * The form every browser sends to upload.cgi, read from the whole body in a few indexOf calls, with
 * the result multer and busboy give for it. multer costs an upload more CPU than its share (a JS
 * boundary search over every byte of the file, a stream per part, a copy of the file). Anything
 * this reader is not sure of it leaves to multer (undefined), which then reads the same bytes as
 * before and gives the same answer, errors included: a preamble, a quoted or odd boundary, any
 * header but the two browsers write, a name or a file name with a character busboy or multer would
 * decode, a text part with a Content-Type (its charset), a field given twice, a file under another
 * name or a second one, and any count or size near a limit.
 *
 *   multipart/form-data; boundary=B
 *   --B CRLF
 *   Content-Disposition: form-data; name="session_key" CRLF CRLF
 *   <value> CRLF
 *   --B CRLF
 *   Content-Disposition: form-data; name="file"; filename="a.jpg" CRLF
 *   Content-Type: image/jpeg CRLF CRLF
 *   <bytes> CRLF
 *   --B-- <anything: busboy ignores what follows the close delimiter>
 */

/** What multer leaves on the request: the text fields by name, the file part if one came. */
export interface ParsedForm {
  body: Record<string, unknown>;
  file: { buffer: Buffer; size: number; originalname: string } | undefined;
}

export interface PlainFormBounds {
  /** The file part's name (multer's single(name)). */
  fileField: string;
  /** Bytes the file may have; a larger one is left to multer (413). */
  maxFileSize: number;
  /** multer's limits: a form within half of each is read here. */
  fields: number;
  fieldSize: number;
  parts: number;
}

const BOUNDARY = /^multipart\/form-data; ?boundary=([A-Za-z0-9_-]{1,70})$/i;
/** Names and file names of plain characters, which neither busboy nor multer decodes. */
const TEXT_PART = /^Content-Disposition: form-data; name="([A-Za-z0-9_-]{1,32})"$/;
const FILE_PART = /^Content-Disposition: form-data; name="([A-Za-z0-9_-]{1,32})"; filename="([^"\\/%\x00-\x1f\x7f]+)"$/;
const PART_TYPE = /^Content-Type: [\x20-\x7e]+$/;
/** Part headers end here; a longer block is left to multer. */
const MAX_HEADER_BYTES = 1024;

/** The boundary of a Content-Type this reader takes, or undefined. */
export function plainBoundary(contentType: string | undefined): string | undefined {
  return contentType === undefined ? undefined : BOUNDARY.exec(contentType)?.[1];
}

/** The form in `body`, or undefined when multer must read it. */
export function readPlainForm(body: Buffer, boundary: string, bounds: PlainFormBounds): ParsedForm | undefined {
  const open = Buffer.from(`--${boundary}\r\n`, 'latin1');
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  if (!body.subarray(0, open.length).equals(open)) return undefined;
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let fieldCount = 0;
  let file: ParsedForm['file'];
  let at = open.length;
  for (let parts = 1; parts * 2 <= bounds.parts; parts++) {
    const headersEnd = body.indexOf('\r\n\r\n', at, 'latin1');
    if (headersEnd === -1 || headersEnd - at > MAX_HEADER_BYTES) return undefined;
    const contentStart = headersEnd + 4;
    const contentEnd = body.indexOf(delimiter, contentStart);
    if (contentEnd === -1) return undefined;
    const part = partOf(body.toString('latin1', at, headersEnd));
    if (part === undefined || part.name in fields || (file !== undefined && part.name === bounds.fileField)) {
      return undefined;
    }
    if (part.fileName === undefined) {
      const value = body.subarray(contentStart, contentEnd);
      if (part.typed || ++fieldCount * 2 > bounds.fields || value.length * 2 > bounds.fieldSize) return undefined;
      if (!isPrintableAscii(value)) return undefined;
      fields[part.name] = value.toString('latin1');
    } else {
      const size = contentEnd - contentStart;
      if (file !== undefined || part.name !== bounds.fileField || size > bounds.maxFileSize) return undefined;
      file = { buffer: body.subarray(contentStart, contentEnd), size, originalname: part.fileName };
    }
    // After the delimiter: CRLF and the next part, or "--" and the end of the form.
    at = contentEnd + delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) {
      return { body: fields, file };
    }
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) return undefined;
    at += 2;
  }
  return undefined;
}

interface PartHeader {
  name: string;
  /** busboy's file name (UTF-8), when the part is a file. */
  fileName?: string;
  /** A Content-Type line came. */
  typed: boolean;
}

function partOf(headers: string): PartHeader | undefined {
  const lines = headers.split('\r\n');
  if (lines.length > 2) return undefined;
  const [disposition = '', type] = lines;
  if (type !== undefined && !PART_TYPE.test(type)) return undefined;
  const typed = type !== undefined;
  const text = TEXT_PART.exec(disposition);
  if (text !== null) return { name: text[1] as string, typed };
  const file = FILE_PART.exec(disposition);
  if (file === null) return undefined;
  // The header was read as latin1, one character a byte; busboy reads the name's bytes as UTF-8
  // (defParamCharset), with its own decoder for malformed ones: those are left to it.
  const raw = Buffer.from(file[2] as string, 'latin1');
  const fileName = raw.toString('utf8');
  if (!Buffer.from(fileName, 'utf8').equals(raw) || fileName === '.' || fileName === '..') return undefined;
  return { name: file[1] as string, fileName, typed };
}

function isPrintableAscii(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte < 0x20 || byte > 0x7e) return false;
  return true;
}
