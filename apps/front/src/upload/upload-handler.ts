import type { IncomingMessage, ServerResponse } from 'node:http';
import { FrameClientError } from '@pic-storage/frame-service';
import type { ClusterClients } from '@pic-storage/service-process';
import { SessionRefusedError, type SessionGate, type SessionRefusal } from '@pic-storage/session-count';
import type { SessionFields } from '@pic-storage/session-key';
import type { FrontConf } from '../conf.js';
import { MetadataRegisterError, type MetadataRegistrar } from './metadata-registrar.js';
import { preparePicture, type PreparedPicture } from './prepare-picture.js';
import type { PictureType } from './picture-type.js';
import { sniffPictureType } from './sniff-format.js';
import { UploadError, type UploadFailure } from './upload-errors.js';
import { UploadFormReader, type UploadForm } from './upload-form.js';
import { sendJson, sendUploadError, successJson } from './upload-json.js';

/** What upload.cgi logs through: a pino Logger fits. */
export interface UploadLogger {
  debug(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface UploadHandlerDeps {
  conf: FrontConf['upload'];
  gate: SessionGate;
  clients: ClusterClients;
  /** undefined: nothing registered, photoid 0. */
  metadata: MetadataRegistrar | undefined;
  logger: UploadLogger;
}

const REFUSAL: Record<SessionRefusal, { failure: UploadFailure; message: string }> = {
  invalid: { failure: 'sessionInvalid', message: 'session_key is not a valid session key' },
  expired: { failure: 'sessionExpired', message: 'session_key has expired: ask the game for a new one' },
  exhausted: { failure: 'sessionExhausted', message: 'session_key has been used the most times it may be' },
  unavailable: { failure: 'sessionUnavailable', message: 'session keys cannot be checked right now: retry later' },
};

/** What is known of a request so far, for its log line. */
interface Trace {
  uid?: number;
  albumid?: number;
  name?: string;
  type?: PictureType;
  fileId?: string;
}

/**
 * POST /upload.cgi, step by step (docs/services/front-upload.md):
 *
 *   1. the form (multipart, fields, size, declared type)       400 / 413 / 415, no use counted
 *   2. the session key: decode, window, i_ip against server_ip,
 *      then one use counted                                     403 / 503
 *   4. the format sniffed from the bytes, allowed, as declared  415
 *   5. pixels, the session's box, whole (fit/reject)            413 / 415
 *   6. stored in FastDFS                                        503
 *   7. registered with metadata_dbsvr (else the file is deleted again)  503
 *
 * The key is counted only for a well-formed form, and before any picture is decoded: the
 * decoder only ever reads bytes sent with a valid key.
 */
export class UploadHandler {
  private readonly form: UploadFormReader;

  constructor(private readonly deps: UploadHandlerDeps) {
    this.form = new UploadFormReader(deps.conf);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const trace: Trace = {};
    try {
      const form = await this.form.read(req, res);
      trace.name = form.file.name;
      const session = await this.useSession(form.sessionKey);
      trace.uid = session.uid;
      trace.albumid = session.albumid;
      const type = this.checkFormat(form);
      trace.type = type;
      const picture = await preparePicture(form.file.bytes, type, {
        maxInputPixels: this.deps.conf.maxInputPixels,
        widthLimit: session.widthLimit,
        heightLimit: session.heightLimit,
        limitMode: this.deps.conf.limitMode,
        timeoutSeconds: this.deps.conf.imageTimeoutSeconds,
      });
      const fileId = await this.store(picture, type);
      trace.fileId = fileId;
      const photoid = await this.register(session, form, type, picture, fileId);
      this.deps.logger.info(
        {
          ...trace,
          photoid,
          size: picture.data.length,
          width: picture.width,
          height: picture.height,
          resized: picture.resized,
        },
        'upload stored',
      );
      sendJson(
        res,
        200,
        successJson({
          albumid: session.albumid,
          photoid,
          fileName: form.file.name,
          hostid: this.deps.conf.hostid,
          lloc: fileId,
          len: picture.data.length,
        }),
      );
    } catch (err) {
      this.fail(res, err, trace);
    }
  }

  private async useSession(sessionKey: string): Promise<SessionFields> {
    try {
      return await this.deps.gate.use(sessionKey, (fields) => this.checkServer(fields));
    } catch (err) {
      if (!(err instanceof SessionRefusedError)) throw err;
      const { failure, message } = REFUSAL[err.reason];
      throw new UploadError(failure, message, { cause: err });
    }
  }

  /**
   * i_ip 0.0.0.0 is any server; otherwise it must name this one, when server_ip says which that is.
   * Checked before the use is counted: a key sent to the wrong server keeps its uses.
   */
  private checkServer(session: SessionFields): void {
    const serverIp = this.deps.conf.serverIp;
    if (serverIp === undefined || session.ip === '0.0.0.0' || session.ip === serverIp) return;
    throw new UploadError('wrongServer', 'session_key was issued for another upload server');
  }

  private checkFormat(form: UploadForm): PictureType {
    const sniffed = sniffPictureType(form.file.bytes);
    if (sniffed === undefined) {
      throw new UploadError('notAPicture', 'the file is not a picture (JPEG, PNG, GIF or WebP)');
    }
    if (!this.deps.conf.allowedTypes.includes(sniffed)) {
      throw new UploadError(
        'typeNotAllowed',
        `the file is a ${sniffed} picture; this server accepts ${this.deps.conf.allowedTypes.join(', ')}`,
      );
    }
    if (sniffed !== form.declaredType) {
      throw new UploadError('typeMismatch', `type says ${form.declaredType} but the file is a ${sniffed} picture`);
    }
    return sniffed;
  }

  private async store(picture: PreparedPicture, type: PictureType): Promise<string> {
    const { hostid, group } = this.deps.conf;
    try {
      return await this.deps.clients.client(hostid).upload(picture.data, { ext: type, group });
    } catch (err) {
      throw new UploadError('storageUnavailable', 'the picture store is unavailable: retry later', { cause: err });
    }
  }

  /** The photoid, or 0 without metadata_dbsvr. Any failure deletes the stored file before it is answered. */
  private async register(
    session: SessionFields,
    form: UploadForm,
    type: PictureType,
    picture: PreparedPicture,
    fileId: string,
  ): Promise<number> {
    const metadata = this.deps.metadata;
    if (metadata === undefined) return 0;
    try {
      return await metadata.register({
        uid: session.uid,
        albumid: session.albumid,
        hostid: this.deps.conf.hostid,
        fdfsUrl: fileId,
        name: form.file.name,
        type,
        size: picture.data.length,
        width: picture.width,
        height: picture.height,
        time: 0,
      });
    } catch (err) {
      await this.deleteStored(fileId, err);
      if (err instanceof FrameClientError || err instanceof MetadataRegisterError) {
        throw new UploadError('metadataUnavailable', 'the picture catalogue is unavailable: retry later', {
          cause: err,
        });
      }
      throw err;
    }
  }

  private async deleteStored(fileId: string, why: unknown): Promise<void> {
    const hostid = this.deps.conf.hostid;
    try {
      await this.deps.clients.client(hostid).delete(fileId);
      this.deps.logger.warn({ fileId, hostid, err: message(why) }, 'register failed: the stored file is deleted again');
    } catch (err) {
      // The one way an upload can leave something behind: say exactly what, to delete by hand.
      this.deps.logger.error(
        { fileId, hostid, err: message(err), registerErr: message(why) },
        'register failed and the stored file could NOT be deleted: it is left in FastDFS unregistered',
      );
    }
  }

  private fail(res: ServerResponse, err: unknown, trace: Trace): void {
    const failure =
      err instanceof UploadError
        ? err
        : new UploadError('internal', 'internal error (logged on the server)', { cause: err });
    const cause = failure.cause === undefined ? undefined : message(failure.cause);
    const line = { ...trace, failure: failure.failure, status: failure.status, reason: failure.message, cause };
    if (failure.failure === 'internal') this.deps.logger.error({ ...line, err }, 'upload failed: internal error');
    else if (failure.status >= 500) this.deps.logger.warn(line, 'upload failed');
    else this.deps.logger.info(line, 'upload refused');
    if (!res.headersSent) sendUploadError(res, failure);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
