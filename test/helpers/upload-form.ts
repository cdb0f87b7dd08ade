/**
 * upload.cgi under test: the forms a browser posts, and the real parts behind the router (an
 * EmbeddedFdfs, an in-process metadata_dbsvr, a session gate counting in memory), with counts of
 * what they hold so that a refused request can be shown to leave nothing behind.
 *
 *   const stack = await startUploadStack();
 *   const front = await stack.front({ serverIp: '10.1.1.197' });
 *   const answer = await postUpload(front.url, uploadForm({ sessionKey, type: 'jpg', file }));
 *   await front.close(); await stack.stop();
 */
import { expect } from 'vitest';
import { once } from 'node:events';
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import { pino } from 'pino';
import { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { FrameClient } from '@pic-storage/frame-service';
import { ClusterClients } from '@pic-storage/service-process';
import { MemoryCounter, SessionGate, type SessionCounter } from '@pic-storage/session-count';
import { DesKey, issueSessionKey, type IssueFields } from '@pic-storage/session-key';
import { readFrontConf, type FrontConf } from '../../apps/front/src/conf.js';
import { MetadataRegistrar } from '../../apps/front/src/upload/metadata-registrar.js';
import { uploadRouter, UploadRoute, type UploadDeps } from '../../apps/front/src/upload/upload-router.js';
import type { ObserveRequest } from '../../apps/front/src/status/front-metrics.js';
import type { UploadLogger } from '../../apps/front/src/upload/upload-handler.js';
import { readMetadataDbsvrConf } from '../../apps/metadata-dbsvr/src/conf.js';
import { startMetadataDbsvr, type StartedMetadataDbsvr } from '../../apps/metadata-dbsvr/src/metadata-dbsvr.js';
import { confOf } from './shipped-conf.js';

/** The session-key test vector's DES key and fields (docs/session-key.md), i_time left to the clock. */
export const TEST_DES_KEY = 'pic$KEY1';
export const VECTOR_FIELDS = {
  uid: 12345,
  channel: 7,
  albumid: 3,
  ip: '10.1.1.197',
  widthLimit: 800,
  heightLimit: 600,
  isHead: 0,
} as const;

/** The test vector's key, issued at `now` (default the clock), with `fields` changed. */
export function sessionKey(fields: Partial<IssueFields> = {}, now?: number): string {
  return issueSessionKey({ ...VECTOR_FIELDS, ...fields }, TEST_DES_KEY, now);
}

let channel = 1000;

/**
 * A key no other call returns (its unchecked channel field differs), so that one test's uses do
 * not count against another's: keys issued in the same second are otherwise the same key.
 */
export function uniqueKey(fields: Partial<IssueFields> = {}, now?: number): string {
  channel = channel >= 0xffff ? 1000 : channel + 1;
  return sessionKey({ channel, ...fields }, now);
}

export interface FormParts {
  sessionKey?: string;
  type?: string;
  file?: Buffer;
  fileName?: string;
  /** More text fields. */
  extra?: Record<string, string>;
}

/** The multipart form a browser posts; a part left undefined is left out. */
export function uploadForm(parts: FormParts): FormData {
  const form = new FormData();
  if (parts.sessionKey !== undefined) form.append('session_key', parts.sessionKey);
  if (parts.type !== undefined) form.append('type', parts.type);
  for (const [name, value] of Object.entries(parts.extra ?? {})) form.append(name, value);
  if (parts.file !== undefined) form.append('file', new Blob([parts.file]), parts.fileName ?? 'picture');
  return form;
}

export interface UploadAnswer {
  status: number;
  headers: Headers;
  /** The body as sent. */
  text: string;
  json: Record<string, unknown>;
}

export async function postUpload(
  url: string,
  body: FormData | string,
  headers: Record<string, string> = {},
): Promise<UploadAnswer> {
  const response = await fetch(`${url}/upload.cgi`, { method: 'POST', body, headers });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Left empty: the caller asserts on `text`.
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A logger that keeps every line (and prints nothing), for asserting what was logged. */
export class RecordingLogger implements UploadLogger {
  readonly lines: { level: string; object: object; message: string }[] = [];
  debug(object: object, message: string): void {
    this.lines.push({ level: 'debug', object, message });
  }
  info(object: object, message: string): void {
    this.lines.push({ level: 'info', object, message });
  }
  warn(object: object, message: string): void {
    this.lines.push({ level: 'warn', object, message });
  }
  error(object: object, message: string): void {
    this.lines.push({ level: 'error', object, message });
  }
}

export interface FrontOptions extends Partial<FrontConf['upload']> {
  /** Default: a MemoryCounter of 1000 keys. */
  counter?: SessionCounter;
  maxChecks?: number;
  /** Unix seconds of the gate's clock. */
  now?: () => number;
  /** Default: the stack's metadata_dbsvr; null: none (photoid 0). */
  metadataAddress?: { host: string; port: number } | null;
  /** Default: the stack's EmbeddedFdfs tracker. */
  trackers?: string[];
  /** Told of every request the route serves on node:http (the front's metrics). */
  observe?: ObserveRequest;
}

export interface UploadFront {
  url: string;
  port: number;
  logger: RecordingLogger;
  close(): Promise<void>;
}

export interface UploadStack {
  fdfs: EmbeddedFdfs;
  metadata: StartedMetadataDbsvr;
  /** A client of the embedded FastDFS, for downloading what was stored. */
  clients: ClusterClients;
  front(options?: FrontOptions): Promise<UploadFront>;
  /** Files the embedded storage holds (its data/XX/YY/ folders). */
  storedFiles(): Promise<number>;
  /** Rows of metadata_dbsvr's pictures table. */
  metadataRows(): number;
  /** The row of `photoid`, as stored. */
  metadataRow(photoid: number): Record<string, unknown> | undefined;
  /** Runs `request` and checks that it stored no file and wrote no metadata row. */
  leavesNothing(request: () => Promise<UploadAnswer>): Promise<UploadAnswer>;
  stop(): Promise<void>;
}

export async function startUploadStack(): Promise<UploadStack> {
  const base = await mkdtemp(join(tmpdir(), 'upload-stack-'));
  const fdfs = new EmbeddedFdfs({ basePath: join(base, 'fdfs'), trackerPort: 0, storagePort: 0, logger: false });
  await fdfs.start();
  const dbDir = join(base, 'metadata');
  const metadata = await startMetadataDbsvr(
    readMetadataDbsvrConf(confOf(`port = 0\nbase_path = ${dbDir}\n`), {}),
    pino({ level: 'silent' }),
  );
  const tracker = `${fdfs.trackerAddress.host}:${fdfs.trackerAddress.port}`;
  const clients = new ClusterClients(new Map([[0, [tracker]]]), { networkTimeout: 20_000 });
  const fronts = new Set<UploadFront>();

  const storedFiles = () => countFiles(join(base, 'fdfs', 'data'));
  const metadataRows = () =>
    readDatabase(dbDir, (db) => (db.prepare('SELECT count(*) AS n FROM pictures').get() as { n: number }).n);
  return {
    fdfs,
    metadata,
    clients,
    async front(options = {}) {
      const front = await startFront(options, tracker, metadata.address);
      fronts.add(front);
      return { ...front, close: () => (fronts.delete(front), front.close()) };
    },
    storedFiles,
    metadataRows,
    metadataRow: (photoid) =>
      readDatabase(
        dbDir,
        (db) =>
          db.prepare('SELECT * FROM pictures WHERE photoid = ?').get(photoid) as Record<string, unknown> | undefined,
      ),
    async leavesNothing(request) {
      const files = await storedFiles();
      const rows = metadataRows();
      const answer = await request();
      expect(await storedFiles()).toBe(files);
      expect(metadataRows()).toBe(rows);
      return answer;
    },
    async stop() {
      await Promise.all([...fronts].map((front) => front.close()));
      await clients.close();
      await metadata.stop();
      await fdfs.stop();
      await rm(base, { recursive: true, force: true });
    },
  };
}

async function startFront(
  options: FrontOptions,
  tracker: string,
  metadataAddress: { host: string; port: number },
): Promise<UploadFront> {
  const logger = new RecordingLogger();
  const conf: FrontConf['upload'] = { ...defaultUploadConf(), ...pickUploadConf(options) };
  const counter = options.counter ?? new MemoryCounter({ maxKeys: 1000, logger });
  const clients = new ClusterClients(new Map([[0, options.trackers ?? [tracker]]]), {
    connectTimeout: 5_000,
    networkTimeout: 20_000,
  });
  const address = options.metadataAddress === undefined ? metadataAddress : options.metadataAddress;
  const frameClient =
    address === null ? undefined : new FrameClient({ ...address, connectTimeoutMs: 5_000, requestTimeoutMs: 20_000 });
  const deps: UploadDeps = {
    conf,
    gate: new SessionGate({
      desKey: DesKey.from(TEST_DES_KEY),
      counter,
      maxChecks: options.maxChecks ?? 30,
      age: { windowSeconds: 3600, skewSeconds: 300 },
      now: options.now,
    }),
    clients,
    metadata: frameClient === undefined ? undefined : new MetadataRegistrar(frameClient),
    logger,
  };
  const server = uploadServer(deps, options.observe);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    logger,
    close() {
      closed ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await frameClient?.close();
        await clients.close();
        await counter.close();
      })();
      return closed;
    },
  };
}

/**
 * upload.cgi served as the front serves it (front.ts): on node:http, UploadRoute first, then an
 * Express app with the upload router (the spellings the route leaves to Express), else 404.
 */
export function uploadServer(deps: UploadDeps, observe?: ObserveRequest): Server {
  const route = new UploadRoute(deps, observe);
  const app = express();
  app.use(uploadRouter(route));
  return createServer((req, res) => {
    if (!route.take(req, res)) app(req, res);
  });
}

/** upload.cgi's conf as front.conf's defaults make it, but with no metadata_dbsvr (photoid 0). */
export function defaultUploadConf(): FrontConf['upload'] {
  return readFrontConf(confOf('metadata_server ='), {}).upload;
}

function pickUploadConf(options: FrontOptions): Partial<FrontConf['upload']> {
  const { counter: _c, maxChecks: _m, now: _n, metadataAddress: _a, trackers: _t, observe: _o, ...conf } = options;
  return conf;
}

/** metadata_dbsvr's database, opened read-only beside the running service for one read. */
function readDatabase<T>(dbDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dbDir, 'pictures.db'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  // Stored files only: data/XX/YY/<name> (the storage keeps nothing else two levels down).
  return entries.filter((entry) => entry.isFile() && /[0-9A-F]{2}[/\\][0-9A-F]{2}$/.test(entry.parentPath)).length;
}
