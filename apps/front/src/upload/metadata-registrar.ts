import {
  Cmd,
  clipPictureName,
  decodeMetadataRegisterResponse,
  describeResult,
  encodeMetadataRegisterRequest,
  type PictureRecord,
} from '@pic-storage/frame-protocol';
import type { FrameClient } from '@pic-storage/frame-service';

/** What register needs of a FrameClient (connect and request timeouts are the client's). */
export type RegisterClient = Pick<FrameClient, 'request' | 'close' | 'address'>;

/** metadata_dbsvr answered, but not with a photoid. */
export class MetadataRegisterError extends Error {
  override readonly name = 'MetadataRegisterError';
  constructor(readonly ret: number) {
    super(`metadata_dbsvr answered register (4001) with ${describeResult(ret)}`);
  }
}

/**
 * Registers each stored upload with metadata_dbsvr (cmd 4001) and returns its photoid. A register
 * retried after a lost answer is harmless (metadata_dbsvr answers the same photoid for the same
 * hostid and file id), but upload.cgi does not retry: a failed register deletes the stored file
 * and the upload is refused (503), so the browser's own retry starts afresh.
 */
export class MetadataRegistrar {
  constructor(private readonly client: RegisterClient) {}

  get address(): string {
    return this.client.address;
  }

  /**
   * The photoid of `record`; its name is clipped to the field's 128 bytes first (at a character
   * boundary). Rejects with a FrameClientError (no answer: connect, timeout...) or a
   * MetadataRegisterError (a non-zero ret).
   */
  async register(record: PictureRecord): Promise<number> {
    const body = encodeMetadataRegisterRequest({ ...record, name: clipPictureName(record.name) });
    const response = await this.client.request(Cmd.METADATA_REGISTER, body);
    if (response.ret !== 0) throw new MetadataRegisterError(response.ret);
    return decodeMetadataRegisterResponse(response.body);
  }

  /** Closes the FrameClient. */
  close(): Promise<void> {
    return this.client.close();
  }
}
