/**
 * upload.cgi across origins: the preflight, an allowed origin echoed with Vary: Origin, '*', an
 * origin not listed refused (403) before its key is counted, this server's own origin, and no
 * list at all (the C CGI's behaviour: nothing refused, no CORS headers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCode } from '@pic-storage/frame-protocol';
import {
  postUpload,
  startUploadStack,
  uniqueKey,
  uploadForm,
  type UploadFront,
  type UploadStack,
} from '../../helpers/upload-form.js';
import { quadrantPicture } from '../../helpers/test-pictures.js';

const GAME = 'https://game.example.com';
const OTHER = 'https://evil.example.net';

let stack: UploadStack;
let listed: UploadFront;
let png: Buffer;

beforeAll(async () => {
  stack = await startUploadStack();
  listed = await stack.front({ corsOrigins: [GAME, 'http://localhost:8080'], maxChecks: 1 });
  png = await quadrantPicture('png', 16, 16);
});

afterAll(async () => {
  await stack?.stop();
});

function preflight(front: UploadFront, origin: string): Promise<Response> {
  return fetch(`${front.url}/upload.cgi`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });
}

describe('upload.cgi: CORS with listed origins', () => {
  it('answers a preflight from a listed origin with 204, the origin, POST and the headers', async () => {
    const response = await preflight(listed, GAME);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(GAME);
    expect(response.headers.get('access-control-allow-methods')).toBe('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('gives a preflight from another origin no Access-Control-Allow-Origin', async () => {
    const response = await preflight(listed, OTHER);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves a POST from a listed origin with its CORS headers', async () => {
    const answer = await postUpload(listed.url, uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png }), {
      origin: GAME,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(GAME);
    expect(answer.headers.get('vary')).toMatch(/Origin/);
  });

  it('refuses a POST from an origin not listed (403, 1003) without counting the key or storing', async () => {
    const key = uniqueKey();
    const files = await stack.storedFiles();
    const rows = stack.metadataRows();
    for (const origin of [OTHER, 'null', 'https://game.example.com.evil.net', 'http://game.example.com']) {
      const answer = await postUpload(listed.url, uploadForm({ sessionKey: key, type: 'png', file: png }), { origin });
      expect(answer.status, origin).toBe(403);
      expect(answer.json).toMatchObject({ result: 'error', code: ResultCode.BAD_ARGUMENT });
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(await stack.storedFiles()).toBe(files);
    expect(stack.metadataRows()).toBe(rows);
    // maxChecks 1: the key is still unused.
    const answer = await postUpload(listed.url, uploadForm({ sessionKey: key, type: 'png', file: png }), {
      origin: GAME,
    });
    expect(answer.status).toBe(200);
  });

  it('serves a page of its own origin, and a request that sends no Origin (not a browser page)', async () => {
    const own = await postUpload(listed.url, uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png }), {
      origin: listed.url,
    });
    expect(own.status).toBe(200);
    const none = await postUpload(listed.url, uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png }));
    expect(none.status).toBe(200);
  });
});

describe('upload.cgi: CORS with * and without a list', () => {
  it("answers any origin with '*'", async () => {
    const any = await stack.front({ corsOrigins: ['*'] });
    try {
      const response = await preflight(any, OTHER);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      const answer = await postUpload(any.url, uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png }), {
        origin: OTHER,
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    } finally {
      await any.close();
    }
  });

  it('refuses nothing and sends no CORS header when cors_origins is empty, as the C CGI', async () => {
    const none = await stack.front();
    try {
      const answer = await postUpload(none.url, uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png }), {
        origin: OTHER,
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await none.close();
    }
  });
});
