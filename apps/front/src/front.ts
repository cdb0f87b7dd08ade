import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { CachePurger } from '@pic-storage/cache-purge';
import { FrameClient } from '@pic-storage/frame-service';
import { PictureCache } from '@pic-storage/picture-cache';
import { ClusterClients } from '@pic-storage/service-process';
import { DEV_KEY_WARNING, openSessionCounter, redactedUrl, SessionGate } from '@pic-storage/session-count';
import { DesKey } from '@pic-storage/session-key';
import { frontApp } from './app.js';
import type { FrontConf } from './conf.js';
import { DownloadHandler } from './download/download-handler.js';
import { fileIdOfPath } from './download/download-url.js';
import { pictureEntry, type PictureEntry } from './download/picture-entry.js';
import { FrontServer } from './http-server.js';
import { loadOperatorAssets } from './operator/operator-assets.js';
import { operatorRouter } from './operator/operator-router.js';
import { TrafficHistory, trafficCounters } from './operator/traffic-history.js';
import { PurgeAccess } from './purge/purge-access.js';
import { purgeRouter } from './purge/purge-router.js';
import { FastdfsWatch } from './status/fastdfs-watch.js';
import { FrontMetrics } from './status/front-metrics.js';
import { statusRouter } from './status/status-router.js';
import { MetadataRegistrar } from './upload/metadata-registrar.js';
import { uploadRouter, UploadRoute } from './upload/upload-router.js';

export interface RunningFront {
  readonly server: FrontServer;
  readonly cache: PictureCache<PictureEntry>;
  /** Stops accepting, finishes the requests in progress, closes every connection it holds. */
  stop(): Promise<void>;
}

export interface FrontHooks {
  /** Seconds between FastDFS listings for /status; default 10. */
  fastdfsWatchIntervalMs?: number;
  /** Milliseconds between two points of the operator page's chart; default OPERATOR_SAMPLE_INTERVAL_MS (5 s). */
  operatorSampleIntervalMs?: number;
}

/** The front wired together (docs/services/front.md). Listens before it returns. */
export async function startFront(conf: FrontConf, logger: Logger, hooks: FrontHooks = {}): Promise<RunningFront> {
  if (conf.session.desKeySource === 'default') logger.warn({ desKey: conf.session.desKey }, DEV_KEY_WARNING);
  const clusters = new ClusterClients(conf.clusters, {
    connectTimeout: conf.fastdfs.connectTimeoutMs,
    networkTimeout: conf.fastdfs.networkTimeoutMs,
    storageSyncFileMaxDelay: conf.fastdfs.storageSyncFileMaxDelayMs,
  });
  const hostids = [...conf.clusters.keys()].sort((a, b) => a - b);
  const counter = await openSessionCounter(conf.session, logger);
  const metadataClient =
    conf.upload.metadataServer === undefined
      ? undefined
      : new FrameClient({
          ...conf.upload.metadataServer,
          connectTimeoutMs: conf.fastdfs.connectTimeoutMs,
          requestTimeoutMs: conf.fastdfs.networkTimeoutMs,
        });
  const cache = new PictureCache<PictureEntry>({
    maxBytes: conf.cache.memoryBytes,
    maxEntryBytes: conf.cache.maxObjectBytes,
    entryOf: (fileId, bytes) => pictureEntry(fileId, bytes, conf),
    bytesOf: (entry) => entry.body,
    redis:
      conf.cache.redis === undefined || conf.session.redisUrl === undefined
        ? undefined
        : { url: conf.session.redisUrl, ...conf.cache.redis, maxEntryBytes: conf.cache.redis.maxObjectBytes },
    logger,
  });
  const watch = new FastdfsWatch(
    hostids.map((hostid) => ({ hostid, client: clusters.client(hostid) })),
    hooks.fastdfsWatchIntervalMs ?? 10_000,
  );
  let history: TrafficHistory | undefined;
  const closeAll = async () => {
    history?.stop();
    await watch.stop();
    await cache.close();
    await counter.close();
    await metadataClient?.close();
    await clusters.close();
  };
  try {
    await cache.start();
    watch.start();
    const metrics = new FrontMetrics(
      () => cache.stats(),
      () => watch.state,
    );
    const observe = metrics.observe.bind(metrics);
    history = new TrafficHistory(
      trafficCounters(
        () => cache.stats(),
        () => metrics.requestCount,
      ),
      { intervalMs: hooks.operatorSampleIntervalMs },
    );
    history.start();
    const download = new DownloadHandler({
      conf,
      clients: hostids.map((hostid) => clusters.client(hostid)),
      cache,
      logger,
      observe,
    });
    const upload = new UploadRoute(
      {
        conf: conf.upload,
        gate: new SessionGate({
          desKey: DesKey.from(conf.session.desKey),
          counter,
          maxChecks: conf.session.maxChecks,
          age: conf.session.age,
        }),
        clients: clusters,
        metadata: metadataClient === undefined ? undefined : new MetadataRegistrar(metadataClient),
        logger,
      },
      observe,
    );
    const access = new PurgeAccess(conf.purge.allow, conf.purge.secret);
    const purge = purgeRouter({
      access,
      purge: (fileIds) => cache.purge(fileIds),
      external:
        conf.purge.external.length === 0
          ? undefined
          : new CachePurger({
              hookUrls: [],
              externalBases: conf.purge.external,
              timeoutMs: conf.fastdfs.networkTimeoutMs,
              concurrency: 16,
            }),
      fileIdOfPath,
      logger,
    });
    const status = statusRouter({
      version: packageVersion(),
      startedAt: Date.now(),
      cache: () => cache.stats(),
      fastdfs: () => watch.state,
      metrics,
    });
    const operator = operatorRouter({
      access,
      history,
      assets: loadOperatorAssets(),
      isCached: (fileId) => cache.peek(fileId) !== undefined,
      antiStealSecret: conf.antiSteal?.secret,
    });
    const app = frontApp([uploadRouter(upload), purge, status, operator], logger, observe);
    // Uploads skip Express too (upload-route.ts); a download is looked at first, the hot path.
    const server = new FrontServer(conf.http, (req, res) => download.handle(req, res) || upload.take(req, res), app);
    await server.start();
    logger.info(
      {
        address: server.address,
        clusters: Object.fromEntries(conf.clusters),
        cache: { memory: conf.cache.memoryBytes, maxObject: conf.cache.maxObjectBytes },
        redis: conf.session.redisUrl === undefined ? 'off' : redactedUrl(conf.session.redisUrl),
        metadata: conf.upload.metadataServer ?? 'off',
      },
      'listening',
    );
    return {
      server,
      cache,
      async stop() {
        await server.stop();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** This package's version, read beside src/ or dist/ alike (both one level below package.json). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
