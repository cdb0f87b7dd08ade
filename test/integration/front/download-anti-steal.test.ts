/**
 * The FastDFS anti-steal token on download.fcgi: `?token=<md5>&ts=<unix>`, token =
 * md5(file id without its group + secret + ts), valid for the TTL; checked before the cache (a
 * cached file is refused too); the query is not part of the cache key. Failure is 403, or the
 * configured placeholder picture with 200 and no-store.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import {
  CountingFdfsClient,
  type DownloadFront,
  downloadConf,
  rawRequest,
  startDownloadFront,
} from '../../helpers/download-front.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

const SECRET = 'FastDFS1234567890';
const TTL = 900;

let fdfs: EmbeddedFdfs;
let basePath: string;
let placeholderDir: string;
let client: CountingFdfsClient;
let strict: DownloadFront;
let lenient: DownloadFront;
let fileId: string;
const content = Buffer.from(Array.from({ length: 12_345 }, (_, i) => (i * 13) % 256));
const placeholder = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(200, 1)]);

/** Computed here from the definition, not with the library under test. */
function token(id: string, ts: number, secret = SECRET): string {
  const withoutGroup = id.slice(id.indexOf('/') + 1);
  return createHash('md5').update(`${withoutGroup}${secret}${ts}`).digest('hex');
}

const now = () => Math.floor(Date.now() / 1000);
const signed = (id: string, ts = now(), tok = token(id, ts)) => `/download.fcgi/${id}?token=${tok}&ts=${ts}`;

beforeAll(async () => {
  ({ server: fdfs, basePath } = await startEmbedded());
  client = new CountingFdfsClient({ trackers: [fdfs.trackerAddress] });
  fileId = await client.upload(content, { ext: 'jpg' });
  placeholderDir = await mkdtemp(join(tmpdir(), 'anti-steal-'));
  await writeFile(join(placeholderDir, 'stolen.png'), placeholder);
  strict = await startDownloadFront({
    clients: [client],
    conf: downloadConf({ antiSteal: { secret: SECRET, ttlSeconds: TTL, failPicture: undefined } }),
  });
  lenient = await startDownloadFront({
    clients: [client],
    conf: downloadConf({
      antiSteal: { secret: SECRET, ttlSeconds: TTL, failPicture: join(placeholderDir, 'stolen.png') },
    }),
  });
});

afterAll(async () => {
  await strict?.stop();
  await lenient?.stop();
  await client?.close();
  await fdfs?.stop();
  await removeDir(basePath);
  await removeDir(placeholderDir);
});

describe('a valid token', () => {
  it('serves the file, cached under the file id alone (the query is not part of the key)', async () => {
    const res = await rawRequest(strict.base, signed(fileId));
    expect(res.status).toBe(200);
    expect(res.body.equals(content)).toBe(true);
    expect(strict.cache.peek(fileId)).toBeDefined();
    const downloads = client.downloads;
    const ts = now() - 5;
    const again = await rawRequest(strict.base, signed(fileId, ts));
    expect(again.body.equals(content)).toBe(true);
    expect(client.downloads).toBe(downloads);
  });

  it('in the nginx form too, with the parameters in either order and others beside them', async () => {
    const ts = now();
    const res = await rawRequest(strict.base, `/${fileId}?x=1&ts=${ts}&token=${token(fileId, ts)}`);
    expect(res.status).toBe(200);
  });

  it('a ts of 0 never expires (FastDFS)', async () => {
    expect((await rawRequest(strict.base, signed(fileId, 0))).status).toBe(200);
  });
});

describe('a failed check', () => {
  const failures: Array<[string, () => string]> = [
    ['no token at all', () => `/download.fcgi/${fileId}`],
    ['a token without ts', () => `/download.fcgi/${fileId}?token=${token(fileId, now())}`],
    ['expired (older than the TTL)', () => signed(fileId, now() - TTL - 60)],
    ['signed with another secret', () => signed(fileId, now(), token(fileId, now(), 'other'))],
    ['signed for another ts', () => signed(fileId, now(), token(fileId, now() - 100))],
    ['signed for another file', () => signed(fileId, now(), token(fileId.replace(/.{4}\.jpg$/, 'AAAA.jpg'), now()))],
    ['an upper-case token', () => signed(fileId, now(), token(fileId, now()).toUpperCase())],
    ['a ts that is not a number', () => `/download.fcgi/${fileId}?token=${token(fileId, now())}&ts=soon`],
  ];

  it.each(failures)('%s → 403, even for a cached file', async (_what, target) => {
    expect(strict.cache.peek(fileId)).toBeDefined();
    const res = await rawRequest(strict.base, target());
    expect(res.status).toBe(403);
    expect(res.body.includes(content.subarray(0, 64))).toBe(false);
  });

  it.each(failures)('%s → the placeholder with 200 and no-store', async (_what, target) => {
    const res = await rawRequest(lenient.base, target());
    expect(res.status).toBe(200);
    expect(res.body.equals(placeholder)).toBe(true);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(placeholder.length));
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.etag).toBeUndefined();
  });

  it('HEAD gets the placeholder headers without a body; a valid token still gets the file', async () => {
    const head = await rawRequest(lenient.base, `/download.fcgi/${fileId}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(placeholder.length));
    const ok = await rawRequest(lenient.base, signed(fileId));
    expect(ok.body.equals(content)).toBe(true);
  });
});
