import { readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { checkToken, type TokenCheck } from 'fastdfs-client-ts';
import { ConfigError } from 'fastdfs-protocol';
import type { FrontConf } from '../conf.js';
import { contentTypeOf } from './content-type.js';

/** What a request whose token fails gets instead of the picture, when a placeholder is configured. */
export interface Placeholder {
  readonly body: Buffer;
  /** 200, the placeholder's type by its extension, Cache-Control no-store (it stands for any picture). */
  readonly headers: string[];
}

/** anti_steal_token_fail is read into memory once: a picture, not a download. */
export const MAX_PLACEHOLDER_BYTES = 5 * 1024 * 1024;

/**
 * The FastDFS anti-steal token (mod_fastdfs, fdfs_http_check_token): `?token=<md5>&ts=<unix>`
 * with token = md5(file id without its group + secret + ts), valid for the TTL after ts (ts 0:
 * forever). A missing token or ts counts as a failed check (mod_fastdfs answers 400 there
 * without its placeholder; a page embedding a picture without a token is exactly what the
 * placeholder is for).
 */
export class AntiSteal {
  readonly placeholder: Placeholder | undefined;

  constructor(
    private readonly conf: NonNullable<FrontConf['antiSteal']>,
    /** Where a relative anti_steal_token_fail path starts: the conf directory. */
    baseDir: string,
  ) {
    this.placeholder = conf.failPicture === undefined ? undefined : readPlaceholder(resolve(baseDir, conf.failPicture));
  }

  /** 'ok', or why the request's token does not let it read `fileId` at `nowSeconds`. */
  check(fileId: string, query: string, nowSeconds: number): TokenCheck | 'missing' {
    let token: string | undefined;
    let ts: string | undefined;
    for (const pair of query.split('&')) {
      if (pair.startsWith('token=')) token ??= pair.slice(6);
      else if (pair.startsWith('ts=')) ts ??= pair.slice(3);
    }
    if (token === undefined || ts === undefined) return 'missing';
    if (!/^\d{1,15}$/.test(ts)) return 'malformed';
    const subject = fileId.slice(fileId.indexOf('/') + 1);
    return checkToken(subject, this.conf.secret, Number(ts), token, this.conf.ttlSeconds, nowSeconds);
  }
}

function readPlaceholder(path: string): Placeholder {
  let body: Buffer;
  try {
    const size = statSync(path).size;
    if (size > MAX_PLACEHOLDER_BYTES) {
      throw new ConfigError(`anti_steal_token_fail: ${path} is ${size} bytes, more than ${MAX_PLACEHOLDER_BYTES}`);
    }
    body = readFileSync(path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`anti_steal_token_fail: cannot read ${path}: ${(err as Error).message}`);
  }
  const headers = [
    'Content-Type',
    contentTypeOf(extname(path).slice(1)),
    'Content-Length',
    String(body.length),
    'Cache-Control',
    'no-store',
    'X-Content-Type-Options',
    'nosniff',
  ];
  return { body, headers };
}
