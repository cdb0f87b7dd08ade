import type { ServerResponse } from 'node:http';
import { UploadError } from './upload-errors.js';
import { sendUploadError } from './upload-json.js';

/**
 * Uploads served at once. Each holds up to upload_max_size bytes of body (plus FORM_SLACK of form)
 * from its first byte to its answer, so this bounds the memory upload.cgi can take (64 × 5 MiB =
 * 320 MiB by default); one more is refused at once (503, Retry-After) before its body is read. A
 * slot is taken when the request arrives and given back when its response ends or its connection
 * closes.
 */
export class InFlightLimit {
  private inFlight = 0;

  constructor(readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1)
      throw new RangeError(`maxInFlight must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.inFlight;
  }

  /** Takes a slot for the request `res` answers and returns true, or answers 503 itself and returns false. */
  take(res: ServerResponse): boolean {
    if (this.inFlight >= this.max) {
      res.setHeader('Retry-After', '1');
      sendUploadError(res, new UploadError('busy', `${this.max} uploads are in progress; retry in a moment`));
      return false;
    }
    this.inFlight++;
    // 'close' comes once, after the response is sent or when the connection ends first.
    res.once('close', () => this.inFlight--);
    return true;
  }
}
