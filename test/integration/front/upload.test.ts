/**
 * upload.cgi end to end on real parts: the route on node:http as the front serves it, a real EmbeddedFdfs, a real
 * metadata_dbsvr. The session key (window, count, i_ip), the form, the format checks, the JSON
 * answer byte for byte, and for every refusal: no file stored, no metadata row written.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCode } from '@pic-storage/frame-protocol';
import { issueSessionKey, unixTime } from '@pic-storage/session-key';
import {
  postUpload,
  sessionKey,
  uniqueKey,
  startUploadStack,
  uploadForm,
  type UploadAnswer,
  type UploadFront,
  type UploadStack,
} from '../../helpers/upload-form.js';
import { animatedPicture, quadrantPicture } from '../../helpers/test-pictures.js';

let stack: UploadStack;
let front: UploadFront;
let jpeg: Buffer;
let png: Buffer;

beforeAll(async () => {
  stack = await startUploadStack();
  front = await stack.front({ serverIp: '10.1.1.197' });
  jpeg = await quadrantPicture('jpeg', 400, 300);
  png = await quadrantPicture('png', 64, 48);
});

afterAll(async () => {
  await stack?.stop();
});

function expectError(answer: UploadAnswer, status: number, code: number): void {
  expect({ status: answer.status, result: answer.json.result, code: answer.json.code }).toEqual({
    status,
    result: 'error',
    code,
  });
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(typeof answer.json.message).toBe('string');
  expect(Object.keys(answer.json)).toEqual(['result', 'code', 'message']);
}

describe('upload.cgi: a good upload', () => {
  it('accepts the test-vector session (re-issued now) and stores the picture byte for byte', async () => {
    const files = await stack.storedFiles();
    const rows = stack.metadataRows();
    const key = sessionKey();
    const answer = await postUpload(
      front.url,
      uploadForm({ sessionKey: key, type: 'jpg', file: jpeg, fileName: '头像 2m.jpg' }),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(answer.json)).toEqual(['result', 'albumid', 'photoid', 'file_name', 'hostid', 'lloc', 'len']);
    expect(answer.json).toMatchObject({ result: 'success', albumid: 3, file_name: '头像 2m.jpg', hostid: 0 });
    expect(answer.json.len).toBe(jpeg.length);
    expect(answer.json.photoid).toBeGreaterThan(0);
    const fileId = answer.json.lloc as string;
    expect(fileId).toMatch(/^group1\/M00\/[0-9A-F]{2}\/[0-9A-F]{2}\/[A-Za-z0-9_-]+\.jpg$/);
    // The old CGI's JSON escaped every '/': the text carries `\/`, JSON.parse gives the file id.
    expect(answer.text).toContain(`"lloc":"${fileId.replaceAll('/', '\\/')}"`);
    expect(answer.text.startsWith(`{"result":"success","albumid":3,"photoid":${answer.json.photoid},`)).toBe(true);

    expect((await stack.clients.client(0).download(fileId)).equals(jpeg)).toBe(true);
    expect(await stack.storedFiles()).toBe(files + 1);
    expect(stack.metadataRows()).toBe(rows + 1);
    expect(stack.metadataRow(answer.json.photoid as number)).toMatchObject({
      uid: 12345,
      albumid: 3,
      hostid: 0,
      file_id: fileId,
      name: '头像 2m.jpg',
      type: 'jpg',
      size: jpeg.length,
      width: 400,
      height: 300,
    });
  });

  it('stores PNG, GIF and WebP under their own extension; a declared type may be a MIME type', async () => {
    const gif = await animatedPicture('gif', 32, 32, [
      [255, 0, 0],
      [0, 0, 255],
    ]);
    const webp = await quadrantPicture('webp', 40, 30);
    for (const [type, file, ext] of [
      ['png', png, 'png'],
      ['GIF', gif, 'gif'],
      ['image/webp', webp, 'webp'],
    ] as const) {
      const answer = await postUpload(front.url, uploadForm({ sessionKey: uniqueKey(), type, file }));
      expect(answer.status).toBe(200);
      expect(answer.json.lloc).toMatch(new RegExp(`\\.${ext}$`));
      expect(await stack.clients.client(0).download(answer.json.lloc as string)).toEqual(file);
    }
  });

  it('echoes a long UTF-8 file name whole and registers it cut to 128 bytes on a character boundary', async () => {
    const name = `${'头'.repeat(60)}.png`; // 183 bytes
    const answer = await postUpload(
      front.url,
      uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png, fileName: name }),
    );
    expect(answer.status).toBe(200);
    expect(answer.json.file_name).toBe(name);
    expect(stack.metadataRow(answer.json.photoid as number)?.name).toBe('头'.repeat(42));
  });

  it('accepts a key issued for any server (i_ip 0.0.0.0)', async () => {
    const answer = await postUpload(
      front.url,
      uploadForm({ sessionKey: uniqueKey({ ip: '0.0.0.0' }), type: 'png', file: png }),
    );
    expect(answer.status).toBe(200);
  });
});

describe('upload.cgi: the session key', () => {
  it('refuses an expired key (403, 1008)', async () => {
    const issued = unixTime() - 3601 - 300;
    const answer = await stack.leavesNothing(() =>
      postUpload(front.url, uploadForm({ sessionKey: uniqueKey({}, issued), type: 'png', file: png })),
    );
    expectError(answer, 403, ResultCode.SESSION_EXPIRED);
  });

  it('accepts a key 30 times and refuses the 31st use (403, 1009)', async () => {
    const key = uniqueKey({ uid: 777 });
    for (let use = 1; use <= 30; use++) {
      const answer = await postUpload(front.url, uploadForm({ sessionKey: key, type: 'png', file: png }));
      expect(answer.status, `use ${use}`).toBe(200);
    }
    const answer = await stack.leavesNothing(() =>
      postUpload(front.url, uploadForm({ sessionKey: key, type: 'png', file: png })),
    );
    expectError(answer, 403, ResultCode.SESSION_EXHAUSTED);
  });

  it('refuses a key issued for another upload server (403, 1007)', async () => {
    const answer = await stack.leavesNothing(() =>
      postUpload(front.url, uploadForm({ sessionKey: uniqueKey({ ip: '10.1.1.198' }), type: 'png', file: png })),
    );
    expectError(answer, 403, ResultCode.SESSION_INVALID);
  });

  it('refuses a key made with another DES key, and one that is not hex (403, 1007)', async () => {
    const foreign = issueSessionKey({ uid: 12345, albumid: 3 }, 'OTHERKEY');
    for (const key of [foreign, 'not-a-session-key', foreign.slice(0, 46)]) {
      const answer = await stack.leavesNothing(() =>
        postUpload(front.url, uploadForm({ sessionKey: key, type: 'png', file: png })),
      );
      expectError(answer, 403, ResultCode.SESSION_INVALID);
    }
  });
});

describe('upload.cgi: the form', () => {
  it('answers 400 to a request that is not multipart/form-data, or lacks a field', async () => {
    const key = uniqueKey();
    const cases: [string, FormData | string, Record<string, string>][] = [
      ['text body', 'session_key=x&type=jpg', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['no session_key', uploadForm({ type: 'png', file: png }), {}],
      ['empty session_key', uploadForm({ sessionKey: '', type: 'png', file: png }), {}],
      ['no type', uploadForm({ sessionKey: key, file: png }), {}],
      ['no file', uploadForm({ sessionKey: key, type: 'png' }), {}],
      ['empty file', uploadForm({ sessionKey: key, type: 'png', file: Buffer.alloc(0) }), {}],
      [
        'broken multipart',
        '--x\r\nContent-Disposition: form-data; name="t',
        { 'content-type': 'multipart/form-data; boundary=x' },
      ],
    ];
    for (const [name, body, headers] of cases) {
      const answer = await stack.leavesNothing(() => postUpload(front.url, body, headers));
      expect(answer.status, name).toBe(400);
      expectError(answer, 400, ResultCode.BAD_ARGUMENT);
    }
  });

  it('answers 400 to a second file, a file under another name, a field given twice, too many fields', async () => {
    const key = uniqueKey();
    const twoFiles = uploadForm({ sessionKey: key, type: 'png', file: png });
    twoFiles.append('file', new Blob([png]), 'b.png');
    const otherName = uploadForm({ sessionKey: key, type: 'png' });
    otherName.append('picture', new Blob([png]), 'a.png');
    const twice = uploadForm({ sessionKey: key, type: 'png', file: png });
    twice.append('session_key', key);
    const many = uploadForm({ sessionKey: key, type: 'png', file: png });
    for (let i = 0; i < 30; i++) many.append(`f${i}`, 'x');
    for (const [name, body] of [
      ['two files', twoFiles],
      ['other name', otherName],
      ['twice', twice],
      ['many fields', many],
    ] as const) {
      const answer = await stack.leavesNothing(() => postUpload(front.url, body));
      expect(answer.status, name).toBe(400);
      expectError(answer, 400, ResultCode.BAD_ARGUMENT);
    }
  });

  it('counts no use of the key for a request refused for its form', async () => {
    const once = await stack.front({ maxChecks: 1 });
    try {
      const key = uniqueKey({ uid: 4242 });
      expect((await postUpload(once.url, uploadForm({ sessionKey: key, type: 'png' }))).status).toBe(400);
      expect((await postUpload(once.url, uploadForm({ sessionKey: key, type: 'bmp', file: png }))).status).toBe(415);
      expect((await postUpload(once.url, uploadForm({ sessionKey: key, type: 'png', file: png }))).status).toBe(200);
      const again = await postUpload(once.url, uploadForm({ sessionKey: key, type: 'png', file: png }));
      expectError(again, 403, ResultCode.SESSION_EXHAUSTED);
    } finally {
      await once.close();
    }
  });

  it('keeps other text fields out of the way (a submit button)', async () => {
    const answer = await postUpload(
      front.url,
      uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png, extra: { submit: 'Upload' } }),
    );
    expect(answer.status).toBe(200);
  });
});

describe('upload.cgi: the file', () => {
  it('refuses a file that is no picture, and a truncated picture (415, 1006)', async () => {
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    for (const [name, file, type] of [
      ['text', Buffer.from('hello, not a picture'), 'jpg'],
      ['svg', svg, 'png'],
      ['truncated jpeg', truncated, 'jpg'],
      ['truncated png', png.subarray(0, png.length - 30), 'png'],
      ['jpeg magic only', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'jpg'],
    ] as const) {
      const answer = await stack.leavesNothing(() =>
        postUpload(front.url, uploadForm({ sessionKey: uniqueKey(), type, file })),
      );
      expect(answer.status, name).toBe(415);
      expectError(answer, 415, ResultCode.BAD_IMAGE);
    }
  });

  it('refuses a picture whose declared type is another format (415, 1003), and an unknown type', async () => {
    for (const type of ['jpg', 'webp', 'bmp', 'exe']) {
      const answer = await stack.leavesNothing(() =>
        postUpload(front.url, uploadForm({ sessionKey: uniqueKey(), type, file: png })),
      );
      expectError(answer, 415, ResultCode.BAD_ARGUMENT);
    }
  });

  it('refuses a format allowed_types leaves out (415, 1006)', async () => {
    const pngOnly = await stack.front({ allowedTypes: ['png'] });
    try {
      const gif = await quadrantPicture('gif', 16, 16);
      // Declared honestly it is refused for its type; declared as png, for what it is.
      const declared = await stack.leavesNothing(() =>
        postUpload(pngOnly.url, uploadForm({ sessionKey: uniqueKey(), type: 'gif', file: gif })),
      );
      expectError(declared, 415, ResultCode.BAD_ARGUMENT);
      const sniffed = await stack.leavesNothing(() =>
        postUpload(pngOnly.url, uploadForm({ sessionKey: uniqueKey(), type: 'png', file: gif })),
      );
      expectError(sniffed, 415, ResultCode.BAD_IMAGE);
    } finally {
      await pngOnly.close();
    }
  });
});

describe('upload.cgi: routes', () => {
  it('serves POST /upload.cgi only: another method or spelling is not its', async () => {
    const get = await fetch(`${front.url}/upload.cgi`);
    expect(get.status).toBe(404);
    const upper = await fetch(`${front.url}/UPLOAD.CGI`, {
      method: 'POST',
      body: uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png }),
    });
    expect(upper.status).toBe(404);
  });

  it('serves a query string on the path, and an absolute URL (the Express app routes that spelling)', async () => {
    const query = await fetch(`${front.url}/upload.cgi?from=game`, {
      method: 'POST',
      body: uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png }),
    });
    expect(query.status).toBe(200);

    // A request target in absolute form (as sent to a proxy): fetch cannot send one, node:http can.
    const form = new Response(uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png }));
    const body = Buffer.from(await form.arrayBuffer());
    const absolute = await new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: front.port,
          method: 'POST',
          path: `${front.url}/upload.cgi`,
          headers: { 'content-type': form.headers.get('content-type') ?? '', 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(absolute.status).toBe(200);
    expect(absolute.json).toMatchObject({ result: 'success', len: png.length });
  });

  it('tells the metrics of each request it serves on node:http: route upload, its status', async () => {
    const seen: [string, number][] = [];
    const observed = await stack.front({ observe: (route, status) => seen.push([route, status]) });
    try {
      const good = await postUpload(observed.url, uploadForm({ sessionKey: uniqueKey(), type: 'png', file: png }));
      const bad = await postUpload(observed.url, uploadForm({ sessionKey: 'not a key', type: 'png', file: png }));
      expect([good.status, bad.status]).toEqual([200, 403]);
      expect(seen).toEqual([
        ['upload', 200],
        ['upload', 403],
      ]);
    } finally {
      await observed.close();
    }
  });
});
