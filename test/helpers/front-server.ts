/**
 * A real front for tests, in process: an EmbeddedFdfs and a metadata_dbsvr (the backends, each on
 * a free 127.0.0.1 port in a temp folder), and as many fronts on port 0 as a test starts on them.
 *
 *   const backends = await startFrontBackends();
 *   const front = await startTestFront(backends, { cors_origins: 'http://127.0.0.1:8000' });
 *   afterAll(() => stopAll(front, backends));
 *   ... front.url  // http://127.0.0.1:<port>
 *
 * The conf given is front.conf's keys over a base that points the front at these backends
 * (cluster_0, metadata_server, des_key = TEST_DES_KEY). The environment is not read: PIC_*
 * variables of the shell running the tests change nothing.
 */
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { issueSessionKey, type IssueFields } from '@pic-storage/session-key';
import { FdfsClient } from 'fastdfs-client-ts';
import { readMetadataDbsvrConf } from '../../apps/metadata-dbsvr/src/conf.js';
import { startMetadataDbsvr, type StartedMetadataDbsvr } from '../../apps/metadata-dbsvr/src/metadata-dbsvr.js';
import { readFrontConf, type FrontConf } from '../../apps/front/src/conf.js';
import { startFront, type FrontHooks, type RunningFront } from '../../apps/front/src/front.js';
import { confOf } from './shipped-conf.js';

/** The DES key of the fronts started here (not the public development key, which logs a warning). */
export const TEST_DES_KEY = 'h6-tEst!';

/** Milliseconds any one HTTP request of these helpers may take. */
const REQUEST_TIMEOUT_MS = 20_000;

export interface FrontBackends {
  readonly fdfs: EmbeddedFdfs;
  /** host:port of the embedded tracker. */
  readonly tracker: string;
  readonly metadata: StartedMetadataDbsvr;
  /** A client of the embedded FastDFS, for tests that look into the store or change it behind the fronts. */
  readonly fdfsClient: FdfsClient;
  /** Stored files (data/XX/YY/...) on the embedded storage's disk, for "nothing was stored". */
  storedFileCount(): Promise<number>;
  /** Stops the client, metadata_dbsvr and FastDFS, and removes their folders; safe to call twice. */
  stop(): Promise<void>;
}

export async function startFrontBackends(): Promise<FrontBackends> {
  const dir = await mkdtemp(join(tmpdir(), 'pic-front-'));
  const silent = pino({ level: 'silent' });
  const fdfs = new EmbeddedFdfs({ basePath: join(dir, 'fdfs'), trackerPort: 0, storagePort: 0, logger: false });
  let metadata: StartedMetadataDbsvr | undefined;
  let fdfsClient: FdfsClient | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await fdfsClient?.close();
    await metadata?.stop();
    await fdfs.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await fdfs.start();
    const tracker = `${fdfs.trackerAddress.host}:${fdfs.trackerAddress.port}`;
    metadata = await startMetadataDbsvr(
      readMetadataDbsvrConf(confOf(`bind_addr = 127.0.0.1\nport = 0\nbase_path = ${join(dir, 'metadata')}\n`), {}),
      silent,
    );
    fdfsClient = new FdfsClient({ trackers: [tracker] });
    const dataDir = fdfs.dataDir;
    return {
      fdfs,
      tracker,
      metadata,
      fdfsClient,
      storedFileCount: () => countStoredFiles(dataDir),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface TestFront {
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly url: string;
  readonly conf: FrontConf;
  readonly running: RunningFront;
  /** Safe to call twice. */
  stop(): Promise<void>;
}

export interface TestFrontOptions {
  /** Default: silent. */
  logger?: Logger;
  hooks?: FrontHooks;
}

/** A front on a free port, with `conf` (front.conf keys) over the base that names `backends`. */
export async function startTestFront(
  backends: FrontBackends,
  conf: Readonly<Record<string, string>> = {},
  options: TestFrontOptions = {},
): Promise<TestFront> {
  const settings: Record<string, string> = {
    bind_addr: '127.0.0.1',
    port: '0',
    cluster_0: backends.tracker,
    metadata_server: `${backends.metadata.address.host}:${backends.metadata.address.port}`,
    des_key: TEST_DES_KEY,
    ...conf,
  };
  const text = Object.entries(settings)
    .map(([key, value]) => `${key} = ${value}\n`)
    .join('');
  const frontConf = readFrontConf(confOf(text, 'front.conf'), {});
  const running = await startFront(frontConf, options.logger ?? pino({ level: 'silent' }), options.hooks);
  const url = `http://127.0.0.1:${running.server.address.port}`;
  let stopped = false;
  return {
    url,
    conf: frontConf,
    running,
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.stop();
    },
  };
}

/** Stops fronts and backends in order (fronts first); each stop is safe to call twice. */
export async function stopAll(...parts: ReadonlyArray<{ stop(): Promise<void> } | undefined>): Promise<void> {
  for (const part of parts) await part?.stop();
}

/** A session key the fronts started here accept (issued now, any server address). */
export function testSessionKey(fields: IssueFields): string {
  return issueSessionKey(fields, TEST_DES_KEY);
}

/** The answer of a successful POST /upload.cgi. */
export interface UploadAnswer {
  result: 'success';
  albumid: number;
  photoid: number;
  file_name: string;
  hostid: number;
  lloc: string;
  len: number;
}

/** POSTs a picture to `<frontUrl>/upload.cgi` as a browser form would; throws unless it succeeds. */
export async function uploadThroughFront(
  frontUrl: string,
  picture: Buffer,
  fields: { sessionKey: string; type?: string; fileName?: string },
): Promise<UploadAnswer> {
  const form = new FormData();
  form.append('session_key', fields.sessionKey);
  form.append('type', fields.type ?? 'jpg');
  form.append('file', new Blob([picture]), fields.fileName ?? 'picture.jpg');
  const response = await fetch(`${frontUrl}/upload.cgi`, {
    method: 'POST',
    body: form,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const answer = (await response.json()) as { result?: string };
  if (response.status !== 200 || answer.result !== 'success') {
    throw new Error(`upload.cgi answered ${response.status}: ${JSON.stringify(answer)}`);
  }
  return answer as UploadAnswer;
}

/** The cache part of GET /status (apps/front/src/status/status-router.ts). */
export interface FrontCacheStatus {
  hits: number;
  hits_memory: number;
  hits_redis: number;
  misses: number;
  origin_fetches: number;
  entries: number;
  bytes: number;
  purged: number;
  redis: 'off' | 'up' | 'down';
}

export async function frontCacheStatus(frontUrl: string): Promise<FrontCacheStatus> {
  const response = await fetch(`${frontUrl}/status`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`GET /status answered ${response.status}`);
  return ((await response.json()) as { cache: FrontCacheStatus }).cache;
}

/**
 * Polls `read` every 50 ms until `done` holds for what it returns, at most `timeoutMs`; the last
 * value is in the error otherwise. For what arrives asynchronously (a purge broadcast, Redis up).
 */
export async function waitUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not so after ${timeoutMs} ms, last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Files under data/XX/YY/ (the layout FastDFS stores in); the store's .tmp and state files are not counted. */
async function countStoredFiles(dataDir: string): Promise<number> {
  const paths = await readdir(dataDir, { recursive: true });
  return paths.filter((path) => /^[0-9A-F]{2}[\\/][0-9A-F]{2}[\\/][^\\/]+$/i.test(path)).length;
}
