/**
 * upload.cgi when registering fails and deleting the stored file fails too: the one way an upload
 * can leave a file behind, so it must be answered 503 and logged as an error naming the file id.
 * FastDFS and metadata_dbsvr are stand-ins here (a real FastDFS cannot be made to accept an upload
 * and then refuse its delete); the integration tests cover the real parts.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Cmd, ResultCode } from '@pic-storage/frame-protocol';
import { FrameClientError, type FrameResponse } from '@pic-storage/frame-service';
import type { ClusterClients } from '@pic-storage/service-process';
import { MemoryCounter, SessionGate } from '@pic-storage/session-count';
import { DesKey } from '@pic-storage/session-key';
import { MetadataRegistrar, type RegisterClient } from '../../../apps/front/src/upload/metadata-registrar.js';
import {
  defaultUploadConf,
  postUpload,
  RecordingLogger,
  TEST_DES_KEY,
  uniqueKey,
  uploadForm,
  uploadServer,
} from '../../helpers/upload-form.js';
import { quadrantPicture } from '../../helpers/test-pictures.js';

const FILE_ID = 'group1/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.png';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A store that accepts uploads and fails deletes, recording both. */
function failingDeleteStore() {
  const calls: string[] = [];
  const client = {
    upload: async (data: Buffer, options: { ext?: string }) => {
      calls.push(`upload ${data.length} ${options.ext}`);
      return FILE_ID;
    },
    delete: async (fileId: string) => {
      calls.push(`delete ${fileId}`);
      throw new Error('storage 127.0.0.1:23000: connection refused');
    },
  };
  return { calls, clients: { client: () => client } as unknown as ClusterClients };
}

/** A metadata_dbsvr that answers `ret`, or does not answer at all. */
function registerClient(answer: number | 'timeout'): RegisterClient {
  return {
    address: '127.0.0.1:9040',
    close: async () => undefined,
    request: async (cmd: number): Promise<FrameResponse> => {
      expect(cmd).toBe(Cmd.METADATA_REGISTER);
      if (answer === 'timeout') throw new FrameClientError('timeout', 'no answer in 10000 ms', true);
      return { header: {} as FrameResponse['header'], ret: answer, body: Buffer.alloc(0) };
    },
  };
}

async function front(metadata: MetadataRegistrar, clients: ClusterClients, logger: RecordingLogger) {
  const server = uploadServer({
    conf: defaultUploadConf(),
    gate: new SessionGate({
      desKey: DesKey.from(TEST_DES_KEY),
      counter: new MemoryCounter({ maxKeys: 100, logger }),
      maxChecks: 30,
      age: { windowSeconds: 3600, skewSeconds: 300 },
    }),
    clients,
    metadata,
    logger,
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('upload.cgi: a register that fails', () => {
  for (const [name, answer] of [
    ['times out', 'timeout'],
    ['is answered STORAGE_UNAVAILABLE', ResultCode.STORAGE_UNAVAILABLE],
  ] as const) {
    it(`${name}: 503 (1010), the file deleted, and an error log naming it when the delete fails`, async () => {
      const logger = new RecordingLogger();
      const store = failingDeleteStore();
      const url = await front(new MetadataRegistrar(registerClient(answer)), store.clients, logger);
      const png = await quadrantPicture('png', 16, 16);
      const result = await postUpload(url, uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png }));
      expect(result.status).toBe(503);
      expect(result.json).toMatchObject({ result: 'error', code: ResultCode.BACKEND_UNAVAILABLE });
      expect(store.calls).toEqual([`upload ${png.length} png`, `delete ${FILE_ID}`]);
      const error = logger.lines.find((line) => line.level === 'error');
      expect(error?.message).toContain('could NOT be deleted');
      expect(error?.object).toMatchObject({ fileId: FILE_ID, hostid: 0 });
    });
  }
});

describe('upload.cgi: an answer that itself fails', () => {
  it('is answered 500 internal error and logged, as the Express app answered a route that threw', async () => {
    // A logger that throws while the refusal of a bad key is logged: the handler then has no answer.
    class ThrowingLogger extends RecordingLogger {
      override info(): void {
        throw new Error('log stream closed');
      }
    }
    const logger = new ThrowingLogger();
    const store = failingDeleteStore();
    const url = await front(new MetadataRegistrar(registerClient(0)), store.clients, logger);
    const png = await quadrantPicture('png', 16, 16);
    const result = await postUpload(url, uploadForm({ sessionKey: 'not a key', type: 'png', file: png }));
    expect(result.status).toBe(500);
    expect(result.text).toBe('{"result":"error","message":"internal error"}');
    expect(result.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const error = logger.lines.find((line) => line.level === 'error');
    expect(error?.message).toBe('request failed');
    expect(store.calls).toEqual([]);
  });
});
