import type { Logger } from 'pino';
import { Cmd, ResultCode, decodeBatchDeleteRequest, encodeBatchDeleteResponse } from '@pic-storage/frame-protocol';
import { FrameClient, FrameServer, type FrameHandler } from '@pic-storage/frame-service';
import { ClusterClients, type RunningService } from '@pic-storage/service-process';
import { BatchDeleter } from './batch-deleter.js';
import { CachePurger } from '@pic-storage/cache-purge';
import type { CsDelSvrConf } from './conf.js';
import { MetadataRemover } from './metadata-remover.js';

export interface StartedCsDelSvr extends RunningService {
  readonly address: { host: string; port: number };
}

/** Serves cmd 3030 with the clusters, metadata_dbsvr and caches of `conf`. */
export async function startCsDelSvr(conf: CsDelSvrConf, logger: Logger): Promise<StartedCsDelSvr> {
  const clusters = new ClusterClients(conf.clusters, {
    connectTimeout: conf.connectTimeoutMs,
    networkTimeout: conf.networkTimeoutMs,
  });
  const metadata =
    conf.metadataServer === undefined
      ? undefined
      : new MetadataRemover(
          new FrameClient({
            ...conf.metadataServer,
            connectTimeoutMs: conf.connectTimeoutMs,
            requestTimeoutMs: conf.networkTimeoutMs,
          }),
        );
  const deleter = new BatchDeleter({
    fdfsClient: (hostid) => clusters.client(hostid),
    metadata,
    purger: new CachePurger({
      hookUrls: conf.purgeUrls,
      externalBases: conf.purgeExternal,
      secret: conf.purgeSecret,
      timeoutMs: conf.networkTimeoutMs,
      concurrency: conf.deleteConcurrency,
    }),
    concurrency: conf.deleteConcurrency,
    logger,
  });

  const batchDelete: FrameHandler = async ({ body, signal }) => {
    const results = await deleter.deleteBatch(decodeBatchDeleteRequest(body), signal);
    const ret = results.every((result) => result === ResultCode.OK) ? ResultCode.OK : ResultCode.PARTIAL;
    return { ret, body: encodeBatchDeleteResponse(results) };
  };
  const server = new FrameServer({ ...conf.server, handlers: new Map([[Cmd.BATCH_DELETE, batchDelete]]), logger });
  await server.start();
  logger.info(
    {
      ...server.address,
      clusters: Object.fromEntries(conf.clusters),
      metadataServer: metadata?.address ?? null,
      purgeUrls: conf.purgeUrls,
      purgeExternal: conf.purgeExternal,
    },
    'listening',
  );
  return {
    address: server.address,
    async stop() {
      await server.stop();
      await Promise.all([clusters.close(), metadata?.close()]);
    },
  };
}
