/**
 * The download path as the front runs it, for tests: a node:http server that hands every request
 * to a DownloadHandler first and answers 404 to what it does not take, around a real
 * PictureCache and real FastDFS clients (counting their downloads: the real client, subclassed).
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { PictureCache } from '@pic-storage/picture-cache';
import { FdfsClient, type DownloadOptions, type FdfsClientOptions, type ResponseStream } from 'fastdfs-client-ts';
import { DownloadHandler, type DownloadRoute } from '../../apps/front/src/download/download-handler.js';
import { pictureEntry, type PictureEntry } from '../../apps/front/src/download/picture-entry.js';
import type { FrontConf } from '../../apps/front/src/conf.js';

export type DownloadConf = Pick<FrontConf, 'cache' | 'antiSteal' | 'fastdfs'>;

/** A real FdfsClient that counts the downloads it starts (the storage still serves every one). */
export class CountingFdfsClient extends FdfsClient {
  downloads = 0;
  streams = 0;

  constructor(options: FdfsClientOptions) {
    super(options);
  }

  override download(fileId: string, options?: DownloadOptions): Promise<Buffer> {
    this.downloads++;
    return super.download(fileId, options);
  }

  override downloadStream(fileId: string, options?: DownloadOptions): Promise<ResponseStream> {
    this.streams++;
    return super.downloadStream(fileId, options);
  }

  /** Connections checked out of the pools (a stream not destroyed holds one). */
  busy(): number {
    return this.status().pools.reduce((sum, p) => sum + p.busy, 0);
  }
}

export function downloadConf(
  overrides: {
    memoryBytes?: number;
    maxObjectBytes?: number;
    cacheControlMaxAge?: number;
    antiSteal?: DownloadConf['antiSteal'];
    storageSyncFileMaxDelayMs?: number;
  } = {},
): DownloadConf {
  return {
    cache: {
      memoryBytes: overrides.memoryBytes ?? 16 * 1024 * 1024,
      maxObjectBytes: overrides.maxObjectBytes ?? 256 * 1024,
      cacheControlMaxAge: overrides.cacheControlMaxAge ?? 2_592_000,
      redis: undefined,
    },
    antiSteal: overrides.antiSteal,
    fastdfs: {
      connectTimeoutMs: 2_000,
      networkTimeoutMs: 30_000,
      storageSyncFileMaxDelayMs: overrides.storageSyncFileMaxDelayMs ?? 86_400_000,
    },
  };
}

export interface Observed {
  route: DownloadRoute;
  status: number;
}

export interface DownloadFront {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly cache: PictureCache<PictureEntry>;
  readonly handler: DownloadHandler;
  readonly observed: Observed[];
  stop(): Promise<void>;
}

export async function startDownloadFront(options: {
  clients: readonly FdfsClient[];
  conf: DownloadConf;
  logger?: Logger;
}): Promise<DownloadFront> {
  const { conf } = options;
  const logger = options.logger ?? pino({ enabled: false });
  const cache = new PictureCache<PictureEntry>({
    maxBytes: conf.cache.memoryBytes,
    maxEntryBytes: conf.cache.maxObjectBytes,
    entryOf: (fileId, bytes) => pictureEntry(fileId, bytes, conf),
    bytesOf: (entry) => entry.body,
    logger,
  });
  await cache.start();
  const observed: Observed[] = [];
  const handler = new DownloadHandler({
    conf,
    clients: options.clients,
    cache,
    logger,
    observe: (route, status) => observed.push({ route, status }),
  });
  const server: Server = createServer((req, res) => {
    if (handler.handle(req, res)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('fallback\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    cache,
    handler,
    observed,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await cache.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One request with the path sent exactly as given (fetch and URL would resolve `..` and `//`
 * before sending), on a connection of its own.
 */
export function rawRequest(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, path, method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer to ${path} in 20 s`)));
    req.on('error', reject);
    req.end();
  });
}
