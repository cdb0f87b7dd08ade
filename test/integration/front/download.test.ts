/**
 * download.fcgi on a real embedded FastDFS, through a node:http server built around the
 * DownloadHandler (404 for what it does not take): bytes, headers, conditional and range
 * requests, HEAD, malformed ids, missing files, one FastDFS download for 50 concurrent misses,
 * the cache's byte bound, streaming of large and appender files, and a client that goes away
 * mid-stream.
 */
import { request } from 'node:http';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { decodeFileId } from 'fastdfs-client-ts';
import {
  CountingFdfsClient,
  type DownloadFront,
  downloadConf,
  rawRequest,
  startDownloadFront,
} from '../../helpers/download-front.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

const MAX_OBJECT = 256 * 1024;

let fdfs: EmbeddedFdfs;
let basePath: string;
let client: CountingFdfsClient;
let front: DownloadFront;

/** Bytes that differ at every offset a range could pick (a shifted range would not compare equal). */
function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2_654_435_761;
  for (let i = 0; i < size; i++) {
    x = (x * 1_103_515_245 + 12_345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const files = {
  small: { content: bytes(10_000, 1), ext: 'jpg', id: '' },
  medium: { content: bytes(80 * 1024, 2), ext: 'png', id: '' },
  atLimit: { content: bytes(MAX_OBJECT, 3), ext: 'webp', id: '' },
  large: { content: bytes(MAX_OBJECT + 1, 4), ext: 'gif', id: '' },
  huge: { content: bytes(6 * 1024 * 1024, 5), ext: 'bin', id: '' },
};

const path = (id: string): string => `/download.fcgi/${id}`;

/** Waits until `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  ({ server: fdfs, basePath } = await startEmbedded());
  client = new CountingFdfsClient({ trackers: [fdfs.trackerAddress], networkTimeout: 60_000 });
  for (const file of Object.values(files)) file.id = await client.upload(file.content, { ext: file.ext });
  front = await startDownloadFront({ clients: [client], conf: downloadConf({ maxObjectBytes: MAX_OBJECT }) });
});

afterAll(async () => {
  await front?.stop();
  await client?.close();
  await fdfs?.stop();
  await removeDir(basePath);
});

describe('200: the bytes uploaded, with every header', () => {
  it.each(Object.keys(files))('%s', async (name) => {
    const file = files[name as keyof typeof files];
    const res = await rawRequest(front.base, path(file.id));
    expect(res.status).toBe(200);
    expect(res.body.equals(file.content)).toBe(true);
    const type = {
      jpg: 'image/jpeg',
      png: 'image/png',
      webp: 'image/webp',
      gif: 'image/gif',
      bin: 'application/octet-stream',
    };
    expect(res.headers['content-type']).toBe(type[file.ext as keyof typeof type]);
    expect(res.headers['content-length']).toBe(String(file.content.length));
    const crc = crc32(file.content).toString(16).padStart(8, '0');
    expect(res.headers.etag).toBe(`"${crc}-${file.content.length.toString(16)}"`);
    const created = decodeFileId(file.id).createTimestamp;
    expect(Math.abs(created * 1000 - Date.now())).toBeLessThan(600_000);
    expect(res.headers['last-modified']).toBe(new Date(created * 1000).toUTCString());
    expect(res.headers['cache-control']).toBe('public, max-age=2592000');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('the nginx-module form /<group>/M00/... serves the same file', async () => {
    const res = await rawRequest(front.base, `/${files.medium.id}`);
    expect(res.status).toBe(200);
    expect(res.body.equals(files.medium.content)).toBe(true);
  });

  it('a query string is ignored: same file, same cache entry', async () => {
    const before = client.downloads;
    const res = await rawRequest(front.base, `${path(files.small.id)}?v=2&x=y`);
    expect(res.body.equals(files.small.content)).toBe(true);
    expect(client.downloads).toBe(before);
  });
});

describe('the cache', () => {
  it('a second request is a hit: no FastDFS download, route "hit"', async () => {
    const id = await client.upload(bytes(5000, 6), { ext: 'jpg' });
    const before = client.downloads;
    await rawRequest(front.base, path(id));
    expect(client.downloads).toBe(before + 1);
    expect(front.observed.at(-1)).toEqual({ route: 'miss', status: 200 });
    const again = await rawRequest(front.base, path(id));
    expect(again.body.equals(bytes(5000, 6))).toBe(true);
    expect(client.downloads).toBe(before + 1);
    expect(front.observed.at(-1)).toEqual({ route: 'hit', status: 200 });
    expect(front.cache.peek(id)?.body.equals(bytes(5000, 6))).toBe(true);
  });

  it('a file of cache_max_object bytes is cached; one byte more is streamed, never cached', async () => {
    expect(front.cache.peek(files.atLimit.id)).toBeDefined();
    expect(front.cache.peek(files.large.id)).toBeUndefined();
    const streams = client.streams;
    const downloads = client.downloads;
    for (let i = 0; i < 2; i++) {
      const res = await rawRequest(front.base, path(files.large.id));
      expect(res.body.equals(files.large.content)).toBe(true);
    }
    expect(client.streams).toBe(streams + 2);
    expect(client.downloads).toBe(downloads);
    expect(front.cache.peek(files.large.id)).toBeUndefined();
  });

  it('50 concurrent misses of one file make one FastDFS download', async () => {
    const content = bytes(200 * 1024, 7);
    const id = await client.upload(content, { ext: 'jpg' });
    const before = client.downloads;
    const coalescedBefore = front.cache.stats().coalesced;
    const all = await Promise.all(Array.from({ length: 50 }, () => rawRequest(front.base, path(id))));
    for (const res of all) {
      expect(res.status).toBe(200);
      expect(res.body.equals(content)).toBe(true);
    }
    expect(client.downloads).toBe(before + 1);
    // They were concurrent: some joined the flight under way rather than finding the entry.
    expect(front.cache.stats().coalesced).toBeGreaterThan(coalescedBefore);
  });

  it('holds no more bytes than cache_memory under a flood of distinct files', async () => {
    const maxBytes = 300 * 1024;
    const bounded = await startDownloadFront({
      clients: [client],
      conf: downloadConf({ memoryBytes: maxBytes, maxObjectBytes: 64 * 1024 }),
    });
    try {
      const flood = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const content = bytes(40 * 1024, 100 + i);
          return { content, id: await client.upload(content, { ext: 'jpg' }) };
        }),
      );
      for (let round = 0; round < 2; round++) {
        const answers = await Promise.all(flood.map((f) => rawRequest(bounded.base, path(f.id))));
        answers.forEach((res, i) => expect(res.body.equals(flood[i]!.content)).toBe(true));
        const stats = bounded.cache.stats();
        expect(stats.bytes).toBeLessThanOrEqual(maxBytes);
        expect(stats.entries).toBeLessThan(flood.length);
        expect(stats.entries).toBeGreaterThan(0);
      }
      expect(bounded.cache.stats().evictions).toBeGreaterThan(0);
    } finally {
      await bounded.stop();
    }
  });

  it('a slave file (size not in its id) is asked for its size, then cached, with an ETag from its id', async () => {
    const content = bytes(3000, 8);
    const id = await client.uploadSlave(files.small.id, content, { prefix: '_150x150' });
    expect(decodeFileId(id).type).toBe('slave');
    const res = await rawRequest(front.base, path(id));
    expect(res.status).toBe(200);
    expect(res.body.equals(content)).toBe(true);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers.etag).toMatch(new RegExp(`^"[0-9a-f]{16}-${content.length.toString(16)}"$`));
    expect(front.cache.peek(id)).toBeDefined();
    const again = await rawRequest(front.base, path(id), { headers: { 'If-None-Match': res.headers.etag! } });
    expect(again.status).toBe(304);
  });

  it('an empty file: 200 with no body (FastDFS refuses to download one: only its existence is asked), a range 416', async () => {
    const id = await client.upload(Buffer.alloc(0), { ext: 'jpg' });
    const res = await rawRequest(front.base, path(id));
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('0');
    expect(res.headers.etag).toBe('"00000000-0"');
    expect(res.body.length).toBe(0);
    expect((await rawRequest(front.base, path(id), { headers: { Range: 'bytes=0-' } })).status).toBe(416);
    const missing = id.replace(/.{4}\.jpg$/, 'AAAA.jpg');
    expect((await rawRequest(front.base, path(missing))).status).toBe(404);
  });

  it('an appender file (its content may change) is streamed, never cached', async () => {
    const id = await client.uploadAppender(bytes(1000, 9), { ext: 'jpg' });
    await client.append(id, bytes(500, 10));
    const res = await rawRequest(front.base, path(id));
    expect(res.status).toBe(200);
    expect(res.body.equals(Buffer.concat([bytes(1000, 9), bytes(500, 10)]))).toBe(true);
    expect(front.cache.peek(id)).toBeUndefined();
  });
});

describe('HEAD', () => {
  it.each(['medium', 'huge'] as const)('%s: the headers of GET, no body', async (name) => {
    const file = files[name];
    const get = await rawRequest(front.base, path(file.id));
    const head = await rawRequest(front.base, path(file.id), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const header of [
      'content-type',
      'content-length',
      'etag',
      'last-modified',
      'cache-control',
      'accept-ranges',
    ]) {
      expect(head.headers[header]).toBe(get.headers[header]);
    }
  });

  it('of a missing file: 404', async () => {
    const missing = files.huge.id.replace(/.{4}\.bin$/, 'AAAA.bin');
    expect((await rawRequest(front.base, path(missing), { method: 'HEAD' })).status).toBe(404);
  });
});

describe('304', () => {
  const cases = (name: 'medium' | 'huge') => {
    const file = files[name];
    const etag = () => `"${crc32(file.content).toString(16).padStart(8, '0')}-${file.content.length.toString(16)}"`;
    const lastModified = () => new Date(decodeFileId(file.id).createTimestamp * 1000).toUTCString();
    const before = () => new Date((decodeFileId(file.id).createTimestamp - 1) * 1000).toUTCString();
    return [
      ['If-None-Match: the ETag', () => ({ 'If-None-Match': etag() }), 304],
      ['If-None-Match: weak W/ form', () => ({ 'If-None-Match': `W/${etag()}` }), 304],
      ['If-None-Match: in a list', () => ({ 'If-None-Match': `"nope", ${etag()} , "other"` }), 304],
      ['If-None-Match: *', () => ({ 'If-None-Match': '*' }), 304],
      ['If-None-Match: another tag', () => ({ 'If-None-Match': '"0-0"' }), 200],
      ['If-Modified-Since: Last-Modified', () => ({ 'If-Modified-Since': lastModified() }), 304],
      ['If-Modified-Since: later', () => ({ 'If-Modified-Since': new Date().toUTCString() }), 304],
      ['If-Modified-Since: a second before', () => ({ 'If-Modified-Since': before() }), 200],
      ['If-Modified-Since: not a date', () => ({ 'If-Modified-Since': 'yesterday' }), 200],
      [
        'If-None-Match wins over If-Modified-Since',
        () => ({ 'If-None-Match': '"0-0"', 'If-Modified-Since': lastModified() }),
        200,
      ],
    ] as const;
  };

  for (const name of ['medium', 'huge'] as const) {
    it.each(cases(name))(`${name}: %s → %i`, async (_what, headers, status) => {
      const res = await rawRequest(front.base, path(files[name].id), { headers: headers() });
      expect(res.status).toBe(status);
      if (status === 304) {
        expect(res.body.length).toBe(0);
        expect(res.headers.etag).toMatch(/^"[0-9a-f]{8}-[0-9a-f]+"$/);
        expect(res.headers['last-modified']).toBeDefined();
        expect(res.headers['cache-control']).toBe('public, max-age=2592000');
      } else {
        expect(res.body.equals(files[name].content)).toBe(true);
      }
    });
  }
});

describe('Range', () => {
  for (const name of ['medium', 'huge'] as const) {
    const file = files[name];
    const size = file.content.length;
    it.each([
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, size - 1],
      ['bytes=-50', size - 50, size - 1],
      ['bytes=-99999999', 0, size - 1],
      ['bytes=100-99999999', 100, size - 1],
      [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
    ])(`${name}: %s → 206`, async (range, start, end) => {
      const res = await rawRequest(front.base, path(file.id), { headers: { Range: range } });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(res.body.equals(file.content.subarray(start, end + 1))).toBe(true);
    });

    it.each([`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0'])(
      `${name}: %s → 416 with the size`,
      async (range) => {
        const res = await rawRequest(front.base, path(file.id), { headers: { Range: range } });
        expect(res.status).toBe(416);
        expect(res.headers['content-range']).toBe(`bytes */${size}`);
        expect(res.body.length).toBe(0);
      },
    );

    it.each(['bytes=0-9,20-29', 'bytes=abc', 'items=0-9', 'bytes=50-10', 'bytes='])(
      `${name}: %s is ignored → 200 whole`,
      async (range) => {
        const res = await rawRequest(front.base, path(file.id), { headers: { Range: range } });
        expect(res.status).toBe(200);
        expect(res.body.equals(file.content)).toBe(true);
      },
    );

    it(`${name}: If-Range with the ETag or the date honours the range; anything else gets 200`, async () => {
      const first = await rawRequest(front.base, path(file.id));
      const get = (ifRange: string) =>
        rawRequest(front.base, path(file.id), { headers: { Range: 'bytes=0-9', 'If-Range': ifRange } });
      expect((await get(first.headers.etag!)).status).toBe(206);
      expect((await get(first.headers['last-modified']!)).status).toBe(206);
      expect((await get(`W/${first.headers.etag!}`)).status).toBe(200);
      expect((await get('"0-0"')).status).toBe(200);
      const other = await get(new Date(0).toUTCString());
      expect(other.status).toBe(200);
      expect(other.body.equals(file.content)).toBe(true);
    });

    it(`${name}: HEAD ignores Range`, async () => {
      const res = await rawRequest(front.base, path(file.id), { method: 'HEAD', headers: { Range: 'bytes=0-9' } });
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe(String(size));
    });
  }

  it('a streamed range asks FastDFS for those bytes only (not the whole file)', async () => {
    const res = await rawRequest(front.base, path(files.huge.id), { headers: { Range: 'bytes=5000000-5000009' } });
    expect(res.status).toBe(206);
    expect(res.body.equals(files.huge.content.subarray(5_000_000, 5_000_010))).toBe(true);
  });
});

describe('400 on a malformed id, 404 on a missing file, and what is not a download', () => {
  const good = () => files.small.id;
  it.each([
    ['an empty id', () => '/download.fcgi/'],
    ['a doubled slash', () => `/download.fcgi//${good()}`],
    ['.. segments', () => '/download.fcgi/group1/M00/../../../../etc/passwd'],
    ['.. after a whole id', () => `/download.fcgi/${good()}/../../x.jpg`],
    ['encoded dots', () => '/download.fcgi/group1/M00/%2e%2e/%2e%2e/etc/passwd'],
    ['an encoded slash', () => `/download.fcgi/${good().replace('/M00/', '%2FM00%2F')}`],
    ['percent-encoding of plain letters', () => `/download.fcgi/${good().replace(/^g/, '%67')}`],
    ['a bad group name', () => `/download.fcgi/${good().replace(/^[^/]+/, 'gr-p!')}`],
    ['a group of 17 characters', () => `/download.fcgi/${good().replace(/^[^/]+/, 'g'.repeat(17))}`],
    ['an over-long name', () => `/download.fcgi/${good()}${'A'.repeat(200)}`],
    ['a short name', () => '/download.fcgi/group1/M00/00/00/short.jpg'],
    ['no store path', () => `/download.fcgi/${good().replace('/M00/', '/X00/')}`],
    ['lower-case hex in the path', () => `/download.fcgi/${good().replace(/\/M00\/(..)\//, '/M00/0a/')}`],
    ['a backslash', () => `/download.fcgi/${good().replace('/M00/', '/M00\\')}`],
    ['nginx form with ..', () => '/group1/M00/../../../etc/passwd'],
    ['nginx form, wrong shape', () => '/group1/M00/00/00/x'],
  ])('%s → 400', async (_what, target) => {
    const before = client.downloads + client.streams;
    const res = await rawRequest(front.base, target());
    expect(res.status).toBe(400);
    expect(client.downloads + client.streams).toBe(before);
  });

  it('a well-formed id that FastDFS does not have → 404, not cached (asked again next time)', async () => {
    const missing = files.small.id.replace(/.{4}\.jpg$/, 'AAAA.jpg');
    const before = client.downloads;
    expect((await rawRequest(front.base, path(missing))).status).toBe(404);
    expect((await rawRequest(front.base, path(missing))).status).toBe(404);
    expect(client.downloads).toBe(before + 2);
    expect(front.observed.at(-1)).toEqual({ route: 'download_error', status: 404 });
  });

  it('a group no cluster knows → 404', async () => {
    const res = await rawRequest(front.base, path(files.small.id.replace(/^[^/]+/, 'nosuchgroup')));
    expect(res.status).toBe(404);
  });

  it.each([
    ['/status', 'GET'],
    ['/upload.cgi', 'POST'],
    ['/download.fcgi', 'GET'],
    ['/', 'GET'],
    ['/g/X00/00/00/x', 'GET'],
  ])('%s (%s) is handed on untouched', async (target, method) => {
    const res = await rawRequest(front.base, target, { method });
    expect(res.status).toBe(404);
    expect(res.body.toString()).toBe('fallback\n');
  });

  it.each(['POST', 'PURGE', 'PUT', 'DELETE'])('%s on a download path is handed on', async (method) => {
    const res = await rawRequest(front.base, path(files.small.id), { method });
    expect(res.body.toString()).toBe('fallback\n');
  });
});

describe('a client that goes away mid-stream', () => {
  it('destroys the FastDFS stream: its connection is released at once, not after the network timeout', async () => {
    const { hostname, port } = new URL(front.base);
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: hostname, port, path: path(files.huge.id), agent: false }, (res) => {
        res.once('data', () => {
          expect(client.busy()).toBeGreaterThan(0);
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      req.end();
    });
    await until(() => client.busy() === 0, 10_000, 'the FastDFS connection to be released');
    // And the next download still works.
    const res = await rawRequest(front.base, path(files.huge.id), { headers: { Range: 'bytes=0-3' } });
    expect(res.body.equals(files.huge.content.subarray(0, 4))).toBe(true);
  });
});
