/**
 * fetchSource (apps/cut-svr/src/source-fetch.ts): a normal file whose name gives a size within
 * the limit is downloaded whole, asking for exactly that size; every other source is streamed and
 * refused from the reply header when over the limit. Against a fake FdfsClient that records what
 * it was asked.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { FdfsClient, ResponseStream } from 'fastdfs-client-ts';
import { buildRemoteFilename, buildSlaveFilename } from 'fastdfs-protocol';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';
import { fetchSource } from '../../../apps/cut-svr/src/source-fetch.js';

const MAX = 1000;

function fileId(fileSize: number, appender = false): string {
  const name = buildRemoteFilename({
    source: '10.0.0.1',
    createTimestamp: 1_700_000_000,
    fileSize,
    crc32: 0,
    appender,
    ext: 'jpg',
    storePathIndex: 0,
    subdirHigh: 1,
    subdirLow: 2,
    random: () => 7,
  });
  return `group1/${name}`;
}

interface Calls {
  download: { fileId: string; range: unknown }[];
  stream: string[];
  destroyed: number;
}

/** A client whose files all hold `content` (whatever their names say). */
function fakeClient(content: Buffer): { client: FdfsClient; calls: Calls } {
  const calls: Calls = { download: [], stream: [], destroyed: 0 };
  const fake = {
    download: async (fileId: string, range: unknown): Promise<Buffer> => {
      calls.download.push({ fileId, range });
      return Buffer.from(content);
    },
    downloadStream: async (fileId: string): Promise<ResponseStream> => {
      calls.stream.push(fileId);
      // Three chunks, as a socket would deliver them.
      const third = Math.ceil(content.length / 3);
      const chunks = [0, 1, 2].map((i) => content.subarray(i * third, (i + 1) * third));
      const stream = Readable.from(chunks, { objectMode: false });
      stream.once('close', () => calls.destroyed++);
      return Object.assign(stream, { contentLength: content.length });
    },
  };
  return { client: fake as unknown as FdfsClient, calls };
}

async function refusal(promise: Promise<unknown>): Promise<ResultError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ResultError);
  return err as ResultError;
}

describe('fetchSource', () => {
  it('a normal file named within the limit: one whole download of exactly the named size', async () => {
    const content = Buffer.alloc(600, 5);
    const { client, calls } = fakeClient(content);
    const id = fileId(600);
    const data = await fetchSource(client, id, MAX);
    expect(data.equals(content)).toBe(true);
    expect(calls.download).toEqual([{ fileId: id, range: { length: 600 } }]);
    expect(calls.stream).toEqual([]);
  });

  it('a normal file named at the limit exactly is downloaded whole too', async () => {
    const { client, calls } = fakeClient(Buffer.alloc(MAX));
    await fetchSource(client, fileId(MAX), MAX);
    expect(calls.download).toHaveLength(1);
    expect(calls.stream).toEqual([]);
  });

  it('a normal file named over the limit is streamed and refused from the header: BAD_IMAGE with the size', async () => {
    const { client, calls } = fakeClient(Buffer.alloc(MAX + 1));
    const id = fileId(MAX + 1);
    const err = await refusal(fetchSource(client, id, MAX));
    expect(err.code).toBe(ResultCode.BAD_IMAGE);
    expect(err.message).toBe(`source ${id} is ${MAX + 1} bytes, over max_source_size ${MAX}`);
    expect(calls.download).toEqual([]);
    expect(calls.stream).toEqual([id]);
  });

  it('appender and slave files (no size in the name) and empty ones are streamed, whole', async () => {
    const content = Buffer.from('0123456789abcdef');
    const master = fileId(600);
    const slave = `group1/${buildSlaveFilename(master.slice('group1/'.length), '_t', 'jpg')}`;
    for (const id of [fileId(0, true), slave, fileId(0)]) {
      const { client, calls } = fakeClient(content);
      const data = await fetchSource(client, id, MAX);
      expect(data.equals(content)).toBe(true);
      expect(calls.stream).toEqual([id]);
      expect(calls.download).toEqual([]);
    }
  });

  it('an appender file over the limit is refused from the header', async () => {
    const { client } = fakeClient(Buffer.alloc(MAX + 10));
    const err = await refusal(fetchSource(client, fileId(0, true), MAX));
    expect(err.code).toBe(ResultCode.BAD_IMAGE);
    expect(err.message).toMatch(new RegExp(`is ${MAX + 10} bytes, over max_source_size ${MAX}$`));
  });

  it('a storage that sends more than the named size asked for: BAD_IMAGE, nothing returned', async () => {
    const { client } = fakeClient(Buffer.alloc(MAX + 1));
    const err = await refusal(fetchSource(client, fileId(600), MAX));
    expect(err.code).toBe(ResultCode.BAD_IMAGE);
    expect(err.message).toMatch(/is 1001 bytes, over max_source_size 1000$/);
  });
});
