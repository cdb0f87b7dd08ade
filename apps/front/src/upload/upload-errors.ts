import { ResultCode, type ResultCodeValue } from '@pic-storage/frame-protocol';

/*
 * Every way an upload.cgi request can fail, with its HTTP status and the `code` of the JSON
 * answer (a result code of the framed protocol's catalogue). docs/services/front-upload.md
 * lists the same table; a test holds the two equal. The failures come in the order the request
 * meets them: the origin, then the form (no session use counted yet), then the session key,
 * then the picture, then the stores.
 */
export const UPLOAD_FAILURES = {
  /** A browser page from an origin cors_origins does not list (when the list is set). */
  originRefused: { status: 403, code: ResultCode.BAD_ARGUMENT },
  /** As many uploads as UploadDeps.maxInFlight are in progress already. */
  busy: { status: 503, code: ResultCode.STORAGE_UNAVAILABLE },
  /** Not multipart/form-data. */
  notMultipart: { status: 400, code: ResultCode.BAD_ARGUMENT },
  /** Malformed multipart, a field missing, repeated or too long, too many parts, a second file. */
  badForm: { status: 400, code: ResultCode.BAD_ARGUMENT },
  /** The file is larger than upload_max_size. */
  fileTooLarge: { status: 413, code: ResultCode.BAD_ARGUMENT },
  /** The declared `type` names no format this server accepts. */
  unknownType: { status: 415, code: ResultCode.BAD_ARGUMENT },
  sessionInvalid: { status: 403, code: ResultCode.SESSION_INVALID },
  sessionExpired: { status: 403, code: ResultCode.SESSION_EXPIRED },
  sessionExhausted: { status: 403, code: ResultCode.SESSION_EXHAUSTED },
  /** The use could not be counted (Redis down, the memory table full): never accepted uncounted. */
  sessionUnavailable: { status: 503, code: ResultCode.STORAGE_UNAVAILABLE },
  /** The key's i_ip names another upload server (server_ip). */
  wrongServer: { status: 403, code: ResultCode.SESSION_INVALID },
  /** The bytes are none of JPEG, PNG, GIF, WebP. */
  notAPicture: { status: 415, code: ResultCode.BAD_IMAGE },
  /** A picture format allowed_types leaves out. */
  typeNotAllowed: { status: 415, code: ResultCode.BAD_IMAGE },
  /** The declared `type` is not the format of the bytes. */
  typeMismatch: { status: 415, code: ResultCode.BAD_ARGUMENT },
  /** The picture cannot be decoded (truncated, corrupt). */
  undecodable: { status: 415, code: ResultCode.BAD_IMAGE },
  /** Its header declares more than max_input_pixels (all frames together). */
  tooManyPixels: { status: 413, code: ResultCode.BAD_IMAGE },
  /** Larger than the session's weight_limit × height_limit, with limit_mode = reject. */
  overSessionLimits: { status: 413, code: ResultCode.BAD_IMAGE },
  /** FastDFS unreachable or failing. */
  storageUnavailable: { status: 503, code: ResultCode.STORAGE_UNAVAILABLE },
  /** metadata_dbsvr unreachable or failing; the stored file is deleted again. */
  metadataUnavailable: { status: 503, code: ResultCode.BACKEND_UNAVAILABLE },
  /** A bug: logged with its stack, answered without details. */
  internal: { status: 500, code: ResultCode.INTERNAL },
} as const satisfies Record<string, { status: number; code: ResultCodeValue }>;

export type UploadFailure = keyof typeof UPLOAD_FAILURES;

/** An upload refused or failed; `message` is sent to the client, so it never holds a secret. */
export class UploadError extends Error {
  override readonly name = 'UploadError';
  readonly status: number;
  readonly code: ResultCodeValue;

  constructor(
    readonly failure: UploadFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    ({ status: this.status, code: this.code } = UPLOAD_FAILURES[failure]);
  }
}
