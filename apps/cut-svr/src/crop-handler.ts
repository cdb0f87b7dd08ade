import { FdfsError, ErrorCode, type FdfsClient } from 'fastdfs-client-ts';
import {
  ResultCode,
  ResultError,
  decodeCropRequest,
  encodeCropResponse,
  fileIdOfUrl,
  type CropRequest,
} from '@pic-storage/frame-protocol';
import type { FrameReply, FrameRequest, ServiceLogger } from '@pic-storage/frame-service';
import { checkCropBox } from './crop-geometry.js';
import { cropImage, extensionFor, type CropImageOptions } from './crop-image.js';
import type { CropLimiter } from './crop-limiter.js';
import { fetchSource } from './source-fetch.js';

export interface CropHandlerOptions {
  /** hostid → the client of that FastDFS cluster; an unknown hostid throws BAD_ARGUMENT. */
  clusters: { client(hostid: number): FdfsClient };
  limiter: CropLimiter;
  image: CropImageOptions;
  /** The largest source file fetched; a larger one is BAD_IMAGE. */
  maxSourceBytes: number;
  logger: ServiceLogger;
}

/**
 * cmd 3005: fetch the source from the cluster named by hostid, crop it (crop-image.ts), store
 * the result as a new file in the source's group, answer {hostid, new file id}. A stored crop is
 * logged here; every failure is a ResultError naming the source, whose code says what went wrong.
 */
export class CropHandler {
  constructor(private readonly options: CropHandlerOptions) {}

  async serve(request: FrameRequest): Promise<FrameReply> {
    const started = performance.now();
    let crop: CropRequest | undefined;
    try {
      crop = decodeCropRequest(request.body);
      const stored = await this.crop(crop, request.signal);
      this.options.logger.info(
        { src: crop.fdfsUrl, hostid: crop.hostid, fileId: stored.fileId, ...stored.size, ms: since(started) },
        'crop stored',
      );
      return { body: encodeCropResponse({ hostid: crop.hostid, fdfsUrl: stored.fileId }) };
    } catch (err) {
      // The FrameServer answers a ResultError with its code and logs it ('refused', with this
      // reason); anything else is INTERNAL, logged with its stack.
      if (err instanceof ResultError && crop !== undefined) {
        throw new ResultError(err.code, `crop of ${crop.fdfsUrl} (hostid ${crop.hostid}): ${err.message}`, {
          cause: err.cause,
        });
      }
      throw err;
    }
  }

  private async crop(
    crop: CropRequest,
    signal: AbortSignal,
  ): Promise<{ fileId: string; size: { width: number; height: number; pages: number } }> {
    const { clusters, limiter, image, maxSourceBytes } = this.options;
    const source = fileIdOfUrl(crop.fdfsUrl);
    checkCropBox(crop, image);
    const client = clusters.client(crop.hostid);
    const ticket = limiter.admit();
    // Where the result will be stored is asked now, while the source is fetched and cropped: the
    // upload then goes straight to the storage, one tracker round trip fewer on the crop's path.
    // A failed query is asked again by the upload, whose error is the one reported. The answer may
    // be as old as the crop's wait for a slot; the tracker's own view of its storages is as old as
    // their last heartbeat (30 s by default), so that changes little.
    const target = client.queryStore(source.group).catch(() => undefined);
    try {
      const sourceId = `${source.group}/${source.filename}`;
      const bytes = await fetchSource(client, sourceId, maxSourceBytes).catch((err: unknown) => {
        throw storageError(err, `download of ${sourceId}`, true);
      });
      const picture = await ticket
        .run(() => cropImage(bytes, crop, image), signal)
        .catch((err: unknown) => {
          throw signal.aborted ? abandoned() : err;
        });
      if (signal.aborted) throw abandoned(); // nobody to tell the new file id to: store nothing
      const ext = extensionFor(picture.format, extOf(source.basename));
      const storeAt = await target;
      const fileId = await client
        .upload(picture.data, { ext, group: source.group, target: storeAt })
        .catch((err: unknown) => {
          throw storageError(err, `upload to ${source.group}`, false);
        });
      return { fileId, size: { width: picture.width, height: picture.height, pages: picture.pages } };
    } finally {
      ticket.release();
    }
  }
}

/** A FastDFS failure as a result code: a missing source is NOT_FOUND, the rest STORAGE_UNAVAILABLE. */
function storageError(err: unknown, what: string, reading: boolean): ResultError {
  if (err instanceof ResultError) return err;
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  if (reading && err instanceof FdfsError && err.code === ErrorCode.NOT_FOUND) {
    return new ResultError(ResultCode.NOT_FOUND, message, { cause: err });
  }
  return new ResultError(ResultCode.STORAGE_UNAVAILABLE, message, { cause: err });
}

function abandoned(): ResultError {
  return new ResultError(ResultCode.INTERNAL, 'the client closed its connection: crop abandoned, nothing stored');
}

/** `xxx.jpg` → `jpg`; '' without a dot. */
function extOf(basename: string): string {
  const dot = basename.lastIndexOf('.');
  return dot === -1 ? '' : basename.slice(dot + 1);
}

function since(started: number): number {
  return Math.round(performance.now() - started);
}
