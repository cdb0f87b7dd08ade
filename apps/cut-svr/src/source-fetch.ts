import type { FdfsClient } from 'fastdfs-client-ts';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';

/**
 * The source picture's bytes, at most `maxBytes`: the download's length is known from the
 * storage's reply header, so a larger file is refused (BAD_IMAGE) before its body is read.
 */
export async function fetchSource(client: FdfsClient, fileId: string, maxBytes: number): Promise<Buffer> {
  const stream = await client.downloadStream(fileId);
  if (stream.contentLength > maxBytes) {
    stream.destroy();
    throw new ResultError(
      ResultCode.BAD_IMAGE,
      `source ${fileId} is ${stream.contentLength} bytes, over max_source_size ${maxBytes}`,
    );
  }
  const data = Buffer.allocUnsafe(stream.contentLength);
  let at = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (at + chunk.length > data.length) {
      stream.destroy();
      throw new Error(`download of ${fileId} sent more than the ${data.length} bytes announced`);
    }
    chunk.copy(data, at);
    at += chunk.length;
  }
  if (at !== data.length) throw new Error(`download of ${fileId} ended after ${at} of ${data.length} bytes`);
  return data;
}
