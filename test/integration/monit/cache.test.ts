/**
 * `monit cache` against a node:http stand-in for the front's GET /status, on port 0: a healthy
 * body (exit 0, one OK line), a low hit ratio with and without enough requests, FastDFS down,
 * Redis down, malformed and foreign bodies, HTTP 500, a redirect, an answer slower than
 * --timeout, a refused port (exit 1, one FAIL line saying which); --json; the command line (exit
 * 2, nothing fetched); and the bin as a process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../apps/monit/src/main.js';
import type { MonitIo } from '../../../apps/monit/src/io.js';
import { deadPort } from '../../helpers/http-recorder.js';
import { assertMonitBuilt, runMonitBin } from '../../helpers/monit-bin.js';

const HEALTHY_LINE =
  'OK cache: hit ratio 93.1% (931 hits, 69 misses), 12.3 MB of 256.0 MB held in 412 files, redis off, fastdfs up';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base: string;
/** How the stand-in answers the next requests; a test sets it. */
let handler: Handler;
/** The paths asked for, to show which URL was read (and that a usage error reads none). */
const paths: string[] = [];

/** The front's /status body for a healthy cache, changed by `change`. */
function statusBody(
  change: (b: { cache: Record<string, unknown>; fastdfs: Record<string, unknown> }) => void = () => {},
) {
  const b = {
    service: 'front',
    version: '0.1.0',
    uptime_s: 3600,
    cache: {
      hits: 931,
      hits_memory: 931,
      hits_redis: 0,
      misses: 69,
      hit_ratio: 0.931,
      coalesced: 0,
      origin_fetches: 69,
      entries: 412,
      bytes: Math.round(12.3 * 1024 * 1024),
      max_bytes: 268435456,
      evictions: 0,
      purged: 0,
      redis: 'off',
    } as Record<string, unknown>,
    fastdfs: {
      state: 'up',
      checked_at: '2026-11-22T01:00:00.000Z',
      clusters: [
        {
          hostid: 0,
          state: 'up',
          trackers: [{ address: '127.0.0.1:22122', state: 'up' }],
          groups: [{ name: 'g01', storages: [{ id: '127.0.0.1', address: '127.0.0.1:23000', status: 'ACTIVE' }] }],
        },
      ],
    } as Record<string, unknown>,
  };
  change(b);
  return b;
}

function json(body: unknown, status = 200): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  paths.length = 0;
  handler = json(statusBody());
});

async function monit(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: MonitIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: process.cwd(),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('monit cache: a healthy front', () => {
  it('exit 0 and one OK line; --url is the front, /status is added', async () => {
    expect(await monit(['cache', '--url', base])).toEqual({ code: 0, stdout: `${HEALTHY_LINE}\n`, stderr: '' });
    expect(paths).toEqual(['/status']);
  });

  it('--url may name the status page itself, or a front under a path', async () => {
    expect((await monit(['cache', '--url', `${base}/status`])).code).toBe(0);
    expect((await monit(['cache', '--url', `${base}/pic/`])).code).toBe(0);
    expect(paths).toEqual(['/status', '/pic/status']);
  });

  it('--json: one document with the verdict and the numbers', async () => {
    const { code, stdout } = await monit(['cache', '--url', base, '--json', '--min-hit-ratio', '0.9']);
    expect(code).toBe(0);
    const document = JSON.parse(stdout) as Record<string, unknown>;
    expect(document).toMatchObject({
      ok: true,
      line: HEALTHY_LINE,
      url: `${base}/status`,
      failed: [],
      hit_ratio: 0.931,
      min_hit_ratio: 0.9,
      min_requests: 100,
      ratio_judged: true,
      version: '0.1.0',
      uptime_s: 3600,
      cache: { hits: 931, misses: 69, entries: 412, bytes: 12897485, max_bytes: 268435456, redis: 'off' },
      fastdfs: { state: 'up', checked_at: '2026-11-22T01:00:00.000Z' },
    });
  });
});

describe('monit cache: an unhealthy cache', () => {
  it('hit ratio below --min-hit-ratio with enough requests: exit 1, the ratio first', async () => {
    handler = json(statusBody((b) => Object.assign(b.cache, { hits: 410, misses: 590 })));
    expect(await monit(['cache', '--url', base, '--min-hit-ratio', '0.8'])).toEqual({
      code: 1,
      stdout:
        'FAIL cache: hit ratio 41.0% below 80.0% (410 hits, 590 misses), 12.3 MB of 256.0 MB held in 412 files, ' +
        'redis off, fastdfs up\n',
      stderr: '',
    });
    // Without a threshold the ratio is shown, never judged.
    expect((await monit(['cache', '--url', base])).code).toBe(0);
  });

  it('a low ratio over fewer requests than --min-requests is not judged', async () => {
    handler = json(statusBody((b) => Object.assign(b.cache, { hits: 4, misses: 6 })));
    const early = await monit(['cache', '--url', base, '--min-hit-ratio', '0.8']);
    expect(early.code).toBe(0);
    expect(early.stdout).toMatch(/^OK cache: hit ratio 40\.0% \(4 hits, 6 misses; not judged below 100 requests\), /);
    const judged = await monit(['cache', '--url', base, '--min-hit-ratio', '0.8', '--min-requests', '10']);
    expect(judged.code).toBe(1);
    expect(judged.stdout).toMatch(/^FAIL cache: hit ratio 40\.0% below 80\.0% \(4 hits, 6 misses\), /);
  });

  it('FastDFS down: exit 1, misses fail, the cluster and why', async () => {
    handler = json(
      statusBody((b) => {
        b.fastdfs.state = 'down';
        b.fastdfs.clusters = [
          {
            hostid: 0,
            state: 'down',
            trackers: [{ address: '127.0.0.1:22122', state: 'down' }],
            groups: [],
            error: 'no tracker answered: 127.0.0.1:22122: ECONNREFUSED',
          },
        ];
      }),
    );
    expect(await monit(['cache', '--url', base])).toEqual({
      code: 1,
      stdout:
        'FAIL cache: fastdfs down (misses fail; cluster 0 down: no tracker answered: 127.0.0.1:22122: ECONNREFUSED), ' +
        'hit ratio 93.1% (931 hits, 69 misses), 12.3 MB of 256.0 MB held in 412 files, redis off\n',
      stderr: '',
    });
  });

  it('Redis configured but down: exit 1', async () => {
    handler = json(statusBody((b) => (b.cache.redis = 'down')));
    const { code, stdout } = await monit(['cache', '--url', base]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^FAIL cache: redis down \(no shared cache, purges do not reach the other front instances\), /,
    );
    handler = json(statusBody((b) => (b.cache.redis = 'up')));
    expect((await monit(['cache', '--url', base])).stdout).toMatch(/^OK cache: .*, redis up, fastdfs up\n$/);
  });
});

describe('monit cache: no status to judge', () => {
  it('a body that is not JSON, or JSON that is not the front status: exit 1 saying which', async () => {
    handler = json('<html>It works!</html>');
    const html = await monit(['cache', '--url', base]);
    expect(html.code).toBe(1);
    expect(html.stdout).toMatch(new RegExp(`^FAIL cache ${base}/status answered a body that is not JSON \\(.+\\)\\n$`));

    handler = json(statusBody((b) => delete b.cache.hits));
    expect(await monit(['cache', '--url', base])).toEqual({
      code: 1,
      stdout: `FAIL cache ${base}/status answered JSON that is not the front's status: cache.hits is missing\n`,
      stderr: '',
    });

    handler = json({ service: 'sess-check-svr', ok: true });
    expect((await monit(['cache', '--url', base])).stdout).toBe(
      `FAIL cache ${base}/status answered JSON that is not the front's status: ` +
        'service is "sess-check-svr", not "front"\n',
    );
  });

  it('HTTP 500, or a redirect (not followed): exit 1 with the status', async () => {
    handler = json({ result: 'error' }, 500);
    expect(await monit(['cache', '--url', base])).toEqual({
      code: 1,
      stdout: `FAIL cache ${base}/status answered HTTP 500 Internal Server Error\n`,
      stderr: '',
    });
    handler = (_req, res) => {
      res.writeHead(302, { location: '/status' });
      res.end();
    };
    expect((await monit(['cache', '--url', base])).stdout).toBe(`FAIL cache ${base}/status answered HTTP 302 Found\n`);
    expect(paths).toEqual(['/status', '/status']);
  });

  it('a body over 1 MiB is not read to its end', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"pad":"${'x'.repeat(1024 * 1024)}"}`);
    };
    expect((await monit(['cache', '--url', base])).stdout).toBe(
      `FAIL cache ${base}/status answered a body over 1048576 bytes\n`,
    );
  });

  it('no answer within --timeout: exit 1, saying so', async () => {
    // Headers, then nothing: the timeout covers the body too.
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"service":');
    };
    expect(await monit(['cache', '--url', base, '--timeout', '1'])).toEqual({
      code: 1,
      stdout: `FAIL cache ${base}/status gave no answer within 1 s\n`,
      stderr: '',
    });
    handler = () => {}; // not even headers
    expect((await monit(['cache', '--url', base, '--timeout', '1'])).stdout).toBe(
      `FAIL cache ${base}/status gave no answer within 1 s\n`,
    );
  });

  it('a refused port: exit 1, unreachable and why', async () => {
    const dead = await deadPort();
    const { code, stdout, stderr } = await monit(['cache', '--url', `http://127.0.0.1:${dead}`]);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      `FAIL cache http://127.0.0.1:${dead}/status unreachable: connect ECONNREFUSED 127.0.0.1:${dead}\n`,
    );
  });

  it('--json on failure: ok false, failed ["status"], no numbers', async () => {
    handler = json({}, 503);
    const { code, stdout } = await monit(['cache', '--url', base, '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      ok: false,
      line: `FAIL cache ${base}/status answered HTTP 503 Service Unavailable`,
      url: `${base}/status`,
      failed: ['status'],
      hit_ratio: null,
      min_hit_ratio: null,
      min_requests: 100,
      ratio_judged: false,
    });
  });
});

describe('monit cache command line', () => {
  it('--help explains the check; monit --help lists it', async () => {
    const help = await monit(['cache', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: monit cache \[--url URL\] \[--timeout S\] \[--min-hit-ratio R\]/);
    expect(help.stdout).toContain('--min-requests N');
    const all = await monit(['--help']);
    expect(all.stdout).toMatch(/\n {2}cache +is the front tier's cache serving/);
    expect(paths).toEqual([]);
  });

  it('bad command lines exit 2 with the message and the usage on stderr, and fetch nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['cache', '--ur', base], /^monit cache: unknown option --ur\nusage: monit cache /],
      [['cache', '--url'], /^monit cache: Option '--url <value>' argument missing\n/],
      [['cache', 'extra'], /^monit cache: unexpected argument "extra"\n/],
      [['cache', '--url', 'localhost:8081'], /^monit cache: --url "localhost:8081" must start with http:\/\//],
      [['cache', '--url', 'not a url'], /^monit cache: --url "not a url" is not a URL \(e\.g\. http:\/\/127/],
      [['cache', '--url', 'http://u:p@127.0.0.1:1'], /^monit cache: --url .* must not hold a user or password\n/],
      [['cache', '--timeout', '0'], /^monit cache: --timeout "0" must be 1-3600 seconds\n/],
      [['cache', '--timeout', '2.5'], /^monit cache: --timeout "2.5" must be 1-3600 seconds\n/],
      [['cache', '--min-hit-ratio', '90'], /^monit cache: --min-hit-ratio "90" must be a ratio from 0 to 1/],
      [['cache', '--min-hit-ratio=-0.5'], /^monit cache: --min-hit-ratio "-0\.5" must be a ratio from 0 to 1/],
      [['cache', '--min-hit-ratio', '1.5'], /^monit cache: --min-hit-ratio "1\.5" must be a ratio from 0 to 1/],
      [['cache', '--min-hit-ratio', 'high'], /^monit cache: --min-hit-ratio "high" must be a ratio/],
      [['cache', '--min-requests', '1e3'], /^monit cache: --min-requests "1e3" must be a whole number of requests\n/],
    ];
    for (const [argv, stderr] of cases) {
      const result = await monit(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stdout, argv.join(' ')).toBe('');
      expect(result.stderr, argv.join(' ')).toMatch(stderr);
    }
    expect(paths).toEqual([]);
  });

  it('the bin runs as a process: exit 0 healthy, 1 unreachable', async () => {
    assertMonitBuilt('cache-command.js');
    expect(await runMonitBin(['cache', '--url', base])).toEqual({ code: 0, stdout: `${HEALTHY_LINE}\n` });
    const dead = await deadPort();
    const down = await runMonitBin(['cache', '--url', `http://127.0.0.1:${dead}`]);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^FAIL cache http:\/\/127\.0\.0\.1:\d+\/status unreachable: /);
  });
});
