import {
  Cmd,
  decodeMetadataRemoveResponse,
  describeResult,
  encodeMetadataRemoveRequest,
} from '@pic-storage/frame-protocol';
import type { FrameClient } from '@pic-storage/frame-service';

/** Removes deleted files' rows from metadata_dbsvr (cmd 4002). */
export class MetadataRemover {
  constructor(private readonly client: FrameClient) {}

  get address(): string {
    return this.client.address;
  }

  /**
   * Resolves once metadata_dbsvr has answered ret 0, whether or not a row was there (a file
   * never registered, or already removed by an earlier try, is fine). Throws with the reason
   * otherwise: a FrameClientError (connect, timeout, ...) or the ret it answered.
   */
  async remove(hostid: number, fileId: string): Promise<void> {
    const response = await this.client.request(
      Cmd.METADATA_REMOVE,
      encodeMetadataRemoveRequest({ hostid, url: fileId }),
    );
    if (response.ret !== 0) {
      throw new Error(`metadata_dbsvr ${this.address} answered ${describeResult(response.ret)}`);
    }
    decodeMetadataRemoveResponse(response.body);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
