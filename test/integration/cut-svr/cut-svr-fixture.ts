/**
 * cut_svr as the tests run it: in this process, on a free port, over an EmbeddedFdfs (the real
 * FastDFS protocol) in a temporary folder, with a FrameClient to it and a FastDFS client to put
 * sources in and take results out. Hostid 0 is the embedded FastDFS; hostid 1 names a tracker
 * port nobody listens on.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FdfsClient } from 'fastdfs-client-ts';
import { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { Cmd, encodeCropRequest, type CropRequest } from '@pic-storage/frame-protocol';
import { FrameClient, type FrameResponse, type ServiceLogger } from '@pic-storage/frame-service';
import { startCutSvr, type RunningCutSvr } from '../../../apps/cut-svr/src/cut-svr.js';
import type { CutSvrConf } from '../../../apps/cut-svr/src/cut-svr-conf.js';

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  object: Record<string, unknown>;
  message: string | undefined;
}

export interface CutSvrFixture {
  fdfs: EmbeddedFdfs;
  fdfsClient: FdfsClient;
  cut: RunningCutSvr;
  /** A client of cut_svr; `connect()` makes more (each its own connection). */
  frame: FrameClient;
  connect(): FrameClient;
  logs: LogEntry[];
  upload(content: Buffer, ext: string): Promise<string>;
  /** Files in the embedded storage's data folders. */
  storedFileCount(): Promise<number>;
  crop(request: Partial<CropRequest> & { fdfsUrl: string }, client?: FrameClient): Promise<FrameResponse>;
  stop(): Promise<void>;
}

export interface FixtureOptions {
  cropConcurrency?: number;
  maxQueuedCrops?: number;
  maxSourceSize?: number;
}

export async function startCutSvrFixture(options: FixtureOptions = {}): Promise<CutSvrFixture> {
  const basePath = await mkdtemp(join(tmpdir(), 'cut-svr-fdfs-'));
  const fdfs = new EmbeddedFdfs({ basePath, trackerPort: 0, storagePort: 0, logger: false });
  await fdfs.start();
  const tracker = `${fdfs.trackerAddress.host}:${fdfs.trackerAddress.port}`;
  const logs: LogEntry[] = [];
  const logger: ServiceLogger = {
    info: (object, message) => logs.push({ level: 'info', object: object as Record<string, unknown>, message }),
    warn: (object, message) => logs.push({ level: 'warn', object: object as Record<string, unknown>, message }),
    error: (object, message) => logs.push({ level: 'error', object: object as Record<string, unknown>, message }),
  };
  const conf: CutSvrConf = {
    server: { host: '127.0.0.1', port: 0 },
    clusters: new Map([
      [0, [tracker]],
      [1, [`127.0.0.1:${await closedPort()}`]],
    ]),
    cropConcurrency: options.cropConcurrency ?? 2,
    maxQueuedCrops: options.maxQueuedCrops ?? 16,
    maxSourceSize: options.maxSourceSize ?? 10 * 1024 * 1024,
    image: {
      maxInputPixels: 40_000_000,
      maxPixels: 40_000_000,
      maxDimension: 10_000,
      timeoutSeconds: 60,
      jpegQuality: 90,
      webpQuality: 90,
    },
    fdfs: { connectTimeout: 3_000, networkTimeout: 20_000 },
  };
  const cut = await startCutSvr(conf, logger);
  const clients: FrameClient[] = [];
  const connect = (): FrameClient => {
    const client = new FrameClient({ ...cut.server.address, requestTimeoutMs: 60_000 });
    clients.push(client);
    return client;
  };
  const frame = connect();
  const fdfsClient = new FdfsClient({ trackers: [tracker] });
  return {
    fdfs,
    fdfsClient,
    cut,
    frame,
    connect,
    logs,
    upload: (content, ext) => fdfsClient.upload(content, { ext }),
    storedFileCount: async () => {
      const entries = await readdir(join(basePath, 'data'), { recursive: true, withFileTypes: true });
      return entries.filter((entry) => entry.isFile() && /^[A-Za-z0-9_-]{27}/.test(entry.name)).length;
    },
    crop: (request, client = frame) =>
      client.request(
        Cmd.CROP,
        encodeCropRequest({ hostid: 0, clipW: 0, clipH: 0, startX: 0, startY: 0, thumbW: 1, thumbH: 1, ...request }),
      ),
    async stop() {
      await Promise.all(clients.map((client) => client.close()));
      await cut.stop();
      await fdfsClient.close();
      await fdfs.stop();
      await rm(basePath, { recursive: true, force: true });
    },
  };
}

/** A port that was free a moment ago, and is closed now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
