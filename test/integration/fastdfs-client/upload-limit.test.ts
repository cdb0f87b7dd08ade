/**
 * EFBIG from the embedded server's max_upload_file_size: the client's error says how many bytes
 * were refused (FileTooLargeError, a StatusError with status 27), and the client goes on working.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { ErrorCode, FdfsClient, FileTooLargeError, StatusError } from 'fastdfs-client-ts';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

const LIMIT = 1000;
let server: EmbeddedFdfs;
let base: string;
let client: FdfsClient;

beforeAll(async () => {
  ({ server, basePath: base } = await startEmbedded({ maxUploadSize: LIMIT }));
  client = new FdfsClient({ trackers: [`127.0.0.1:${server.trackerAddress.port}`], networkTimeout: 15_000 });
});

afterAll(async () => {
  await client.close();
  await server.stop();
  await removeDir(base);
});

async function refusal(request: Promise<unknown>): Promise<FileTooLargeError> {
  const err = await request.then(
    () => expect.fail('expected EFBIG'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FileTooLargeError);
  expect(err).toBeInstanceOf(StatusError);
  return err as FileTooLargeError;
}

describe('an upload over max_upload_file_size', () => {
  it('is a FileTooLargeError naming the size sent, status 27', async () => {
    const err = await refusal(client.upload(Buffer.alloc(LIMIT + 1), { ext: 'bin' }));
    expect(err).toMatchObject({ status: 27, code: ErrorCode.INVALID_REQUEST, operation: 'upload', size: LIMIT + 1 });
    expect(err.message).toMatch(
      /^upload failed on 127\.0\.0\.1:\d+: file too large \(1001 bytes > the storage's max_upload_file_size\)/,
    );
  });

  it('names the declared size of a streamed upload, an appender upload, an append and a truncate', async () => {
    const streamed = await refusal(
      client.upload(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), { size: 1200, ext: 'bin' }),
    );
    expect(streamed.message).toContain("file too large (1200 bytes > the storage's max_upload_file_size)");
    const appender = await refusal(client.uploadAppender(Buffer.alloc(2000)));
    expect(appender.message).toContain('file too large (2000 bytes');

    const id = await client.uploadAppender(Buffer.alloc(10, 1), { ext: 'log' });
    const append = await refusal(client.append(id, Buffer.alloc(LIMIT + 5)));
    expect(append).toMatchObject({ operation: 'append', size: LIMIT + 5 });
    const truncate = await refusal(client.truncate(id, LIMIT + 7));
    expect(truncate.message).toContain(`file too large (${LIMIT + 7} bytes`);
    expect(await client.download(id)).toEqual(Buffer.alloc(10, 1));
    await client.delete(id);
  });

  it('leaves the client working: an upload at the limit succeeds', async () => {
    const content = Buffer.alloc(LIMIT, 7);
    const id = await client.upload(content, { ext: 'bin' });
    expect(await client.download(id)).toEqual(content);
    await client.delete(id);
  });
});
