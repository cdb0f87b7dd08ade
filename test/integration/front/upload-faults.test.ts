/**
 * upload.cgi when what it depends on fails: metadata_dbsvr down (the stored file is deleted again),
 * no metadata_dbsvr configured, FastDFS down, the session count store down or full, and too many
 * uploads at once. Each failure answers its JSON error and leaves nothing behind.
 */
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCode } from '@pic-storage/frame-protocol';
import { MemoryCounter, RedisCounter } from '@pic-storage/session-count';
import {
  postUpload,
  RecordingLogger,
  uniqueKey,
  startUploadStack,
  uploadForm,
  type UploadAnswer,
  type UploadStack,
} from '../../helpers/upload-form.js';
import { quadrantPicture } from '../../helpers/test-pictures.js';

let stack: UploadStack;
let png: Buffer;

beforeAll(async () => {
  stack = await startUploadStack();
  png = await quadrantPicture('png', 64, 48);
});

afterAll(async () => {
  await stack?.stop();
});

/** A 127.0.0.1 port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const form = () => uploadForm({ sessionKey: uniqueKey({ ip: '0.0.0.0' }), type: 'png', file: png });

describe('upload.cgi: metadata_dbsvr', () => {
  it('answers 503 (1010) when metadata_dbsvr is down, and deletes the file it had stored', async () => {
    const front = await stack.front({ metadataAddress: { host: '127.0.0.1', port: await deadPort() } });
    try {
      const answer = await stack.leavesNothing(() => postUpload(front.url, form()));
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ result: 'error', code: ResultCode.BACKEND_UNAVAILABLE });
      // It was stored, then deleted: the log names the file id.
      const line = front.logger.lines.find((l) => l.message.includes('deleted again'));
      expect(line?.object).toMatchObject({ fileId: expect.stringMatching(/^group1\/M00\//) });
      const fileId = (line?.object as { fileId: string }).fileId;
      await expect(stack.clients.client(0).download(fileId)).rejects.toThrow();
    } finally {
      await front.close();
    }
  });

  it('answers photoid 0 and registers nothing without metadata_dbsvr', async () => {
    const front = await stack.front({ metadataAddress: null });
    try {
      const rows = stack.metadataRows();
      const answer = await postUpload(front.url, form());
      expect(answer.status).toBe(200);
      expect(answer.json.photoid).toBe(0);
      expect(stack.metadataRows()).toBe(rows);
    } finally {
      await front.close();
    }
  });
});

/** One upload answered 503 (1005, STORAGE_UNAVAILABLE), with no file and no row left behind. */
async function expectUnavailableLeavingNothing(url: string): Promise<void> {
  const answer = await stack.leavesNothing(() => postUpload(url, form()));
  expect(answer.status).toBe(503);
  expect(answer.json).toMatchObject({ result: 'error', code: ResultCode.STORAGE_UNAVAILABLE });
}

describe('upload.cgi: FastDFS', () => {
  it('answers 503 (1005) when no tracker answers', async () => {
    const front = await stack.front({ trackers: [`127.0.0.1:${await deadPort()}`] });
    try {
      await expectUnavailableLeavingNothing(front.url);
    } finally {
      await front.close();
    }
  });
});

describe('upload.cgi: the session count store', () => {
  it('answers 503 (1005) while Redis is unreachable: a use that cannot be counted is not accepted', async () => {
    const logger = new RecordingLogger();
    const counter = new RedisCounter({ url: `redis://127.0.0.1:${await deadPort()}`, logger, connectTimeoutMs: 500 });
    await counter.start();
    const front = await stack.front({ counter });
    try {
      await expectUnavailableLeavingNothing(front.url);
    } finally {
      await front.close();
    }
  });

  it('answers 503 (1005) to a new key while the memory table is full of live keys', async () => {
    const counter = new MemoryCounter({ maxKeys: 1, logger: new RecordingLogger() });
    const front = await stack.front({ counter });
    try {
      expect((await postUpload(front.url, form())).status).toBe(200);
      await expectUnavailableLeavingNothing(front.url);
    } finally {
      await front.close();
    }
  });
});

describe('upload.cgi: uploads in flight', () => {
  it('refuses one more than maxInFlight at once (503, Retry-After), and serves again once it is done', async () => {
    const front = await stack.front({ maxInFlight: 1 });
    // A request whose body never ends holds the one slot.
    const held = connect(front.port, '127.0.0.1');
    held.on('error', () => undefined);
    held.write(
      'POST /upload.cgi HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n' +
        'Content-Length: 100000\r\n\r\n--b\r\n',
    );
    try {
      let answer: UploadAnswer | undefined;
      // Until the held request has reached the router, another may still get the slot.
      for (let attempt = 0; attempt < 200 && answer?.status !== 503; attempt++) {
        answer = await postUpload(front.url, form());
      }
      expect(answer?.status).toBe(503);
      expect(answer?.headers.get('retry-after')).toBe('1');
      expect(answer?.json).toMatchObject({ result: 'error', code: ResultCode.STORAGE_UNAVAILABLE });
      held.destroy();
      let after: UploadAnswer | undefined;
      for (let attempt = 0; attempt < 200 && after?.status !== 200; attempt++) {
        after = await postUpload(front.url, form());
      }
      expect(after?.status).toBe(200);
      // ...and its slot is given back when its answer is sent, too.
      expect((await postUpload(front.url, form())).status).toBe(200);
    } finally {
      held.destroy();
      await front.close();
    }
  });
});

describe('upload.cgi: a client that goes away', () => {
  it('refuses a body cut off half-way as multer did (Request aborted): nothing stored, the key kept', async () => {
    const front = await stack.front({ maxChecks: 1 });
    const key = uniqueKey({ ip: '0.0.0.0' });
    try {
      const files = await stack.storedFiles();
      const cut = connect(front.port, '127.0.0.1');
      cut.on('error', () => undefined);
      cut.write(
        'POST /upload.cgi HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n' +
          `Content-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name="session_key"\r\n\r\n${key}\r\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      cut.destroy();
      let line: (typeof front.logger.lines)[number] | undefined;
      for (let attempt = 0; attempt < 200 && line === undefined; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        line = front.logger.lines.find((l) => l.message === 'upload refused');
      }
      expect(line?.object).toMatchObject({
        failure: 'badForm',
        reason: 'malformed multipart/form-data: Request aborted',
      });
      expect(await stack.storedFiles()).toBe(files);
      // maxChecks 1: the key is still unused.
      const answer = await postUpload(front.url, uploadForm({ sessionKey: key, type: 'png', file: png }));
      expect(answer.status).toBe(200);
    } finally {
      await front.close();
    }
  });
});
