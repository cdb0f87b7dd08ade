import { fetchFrontStatus } from './cache-fetch.js';
import { judgeCache, statusFailure, type CacheCheckResult, type CacheThresholds } from './cache-check.js';
import { usageOf } from './fdfs-command.js';
import { DEFAULT_TIMEOUT_S, parseCheckArgs, timeoutOf } from './args.js';
import { Exit, UsageError } from './io.js';
import type { Subcommand } from './subcommand.js';

/** The front on this machine, on its default port. */
const DEFAULT_URL = 'http://127.0.0.1:8081';
/** Fewer requests than this say little about a cache: a fresh front's ratio is not judged. */
const DEFAULT_MIN_REQUESTS = 100;

const OPTIONS = {
  url: { type: 'string' },
  timeout: { type: 'string' },
  'min-hit-ratio': { type: 'string' },
  'min-requests': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const cacheCommand: Subcommand = {
  name: 'cache',
  synopsis: '[--url URL] [--timeout S] [--min-hit-ratio R] [--min-requests N] [--json]',
  summary: "is the front tier's cache serving, and how well? (monit_varnish)",
  details: `Reads the front's GET /status and prints one line: the hit ratio, what the cache holds, Redis and
FastDFS. Exits 0 when healthy, else 1: the status page did not answer in time, refused the
connection, answered other than 200 or not the front's JSON; FastDFS is down or degraded (the cache
still serves what it holds, but misses fail); Redis is configured but down; or the hit ratio is
below --min-hit-ratio once hits + misses reach --min-requests.

  OK cache: hit ratio 93.1% (931 hits, 69 misses), 12.3 MB of 256.0 MB held in 412 files, redis off, fastdfs up
  FAIL cache: hit ratio 41.0% below 80.0% (410 hits, 590 misses), 1.2 MB of 256.0 MB held in 40 files, ...
  FAIL cache http://127.0.0.1:8081/status unreachable: connect ECONNREFUSED 127.0.0.1:8081

Options:
  --url URL           the front (default ${DEFAULT_URL}); /status is added unless the path ends so
  --timeout S         seconds for the whole request (default ${DEFAULT_TIMEOUT_S})
  --min-hit-ratio R   fail below this hit ratio, 0 to 1 (default: the ratio is never judged)
  --min-requests N    judge the ratio only once hits + misses reach N (default ${DEFAULT_MIN_REQUESTS})
  --json              print {"ok", "line", "url", "failed", "hit_ratio", ..., "cache", "fastdfs"}`,
  async run(argv, io) {
    const { values, positionals } = parseCheckArgs(argv, OPTIONS);
    if (values.help === true) {
      io.stdout.write(`${usageOf(cacheCommand)}\n\n${cacheCommand.details}\n`);
      return Exit.OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const url = statusUrlOf(values.url ?? DEFAULT_URL);
    const timeoutMs = timeoutOf(values.timeout);
    const thresholds: CacheThresholds = { minRequests: minRequestsOf(values['min-requests']) };
    if (values['min-hit-ratio'] !== undefined) thresholds.minHitRatio = ratioOf(values['min-hit-ratio']);

    const answer = await fetchFrontStatus(url, timeoutMs);
    const result: CacheCheckResult =
      'failure' in answer ? statusFailure(url, answer.failure) : judgeCache(answer.status, thresholds);
    if (values.json === true) {
      const document = {
        ok: result.ok,
        line: result.line,
        url: url.href,
        failed: result.failed,
        hit_ratio: result.hitRatio,
        min_hit_ratio: thresholds.minHitRatio ?? null,
        min_requests: thresholds.minRequests,
        ratio_judged: result.ratioJudged,
        ...('status' in answer ? answer.status : {}),
      };
      io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    } else {
      io.stdout.write(`${result.line}\n`);
    }
    return result.ok ? Exit.OK : Exit.FAIL;
  },
};

/** The front's base URL, or its status page itself: `http://host:8081` → `http://host:8081/status`. */
function statusUrlOf(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(text)} is not a URL (e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url ${JSON.stringify(text)} must start with http:// or https://`);
  }
  // fetch() refuses URLs with credentials; /status needs none.
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(`--url ${JSON.stringify(text)} must not hold a user or password`);
  }
  if (!url.pathname.endsWith('/status')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/status`;
  return url;
}

function ratioOf(text: string): number {
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text) || Number(text) > 1) {
    throw new UsageError(`--min-hit-ratio ${JSON.stringify(text)} must be a ratio from 0 to 1 (e.g. 0.9 for 90%)`);
  }
  return Number(text);
}

function minRequestsOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MIN_REQUESTS;
  if (!/^\d{1,15}$/.test(text)) {
    throw new UsageError(`--min-requests ${JSON.stringify(text)} must be a whole number of requests`);
  }
  return Number(text);
}
