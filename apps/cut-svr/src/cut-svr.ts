import { availableParallelism } from 'node:os';
import { Cmd } from '@pic-storage/frame-protocol';
import { FrameServer, type ServiceLogger } from '@pic-storage/frame-service';
import { ClusterClients } from '@pic-storage/service-process';
import { CropHandler } from './crop-handler.js';
import { configureImageThreads, libuvPoolSize } from './crop-image.js';
import { CropLimiter } from './crop-limiter.js';
import type { CutSvrConf } from './cut-svr-conf.js';

export interface RunningCutSvr {
  readonly server: FrameServer;
  readonly limiter: CropLimiter;
  /** Stops accepting, finishes the crops received, closes the FastDFS connections. */
  stop(): Promise<void>;
}

/** cut_svr wired together: a FrameServer serving cmd 3005 with a CropHandler. Listens before it returns. */
export async function startCutSvr(conf: CutSvrConf, logger: ServiceLogger): Promise<RunningCutSvr> {
  const poolSize = libuvPoolSize();
  const vipsThreads = configureImageThreads(availableParallelism(), conf.cropConcurrency, poolSize);
  if (conf.cropConcurrency > poolSize) {
    logger.warn(
      { cropConcurrency: conf.cropConcurrency, uvThreadpoolSize: poolSize, suggested: conf.cropConcurrency + 2 },
      `only ${poolSize} crops can be computed at once: start cut_svr with UV_THREADPOOL_SIZE set higher`,
    );
  }
  const clusters = new ClusterClients(conf.clusters, conf.fdfs);
  const limiter = new CropLimiter({ concurrency: conf.cropConcurrency, maxQueued: conf.maxQueuedCrops });
  const handler = new CropHandler({
    clusters,
    limiter,
    image: conf.image,
    maxSourceBytes: conf.maxSourceSize,
    logger,
  });
  const server = new FrameServer({
    ...conf.server,
    handlers: new Map([[Cmd.CROP, (request) => handler.serve(request)]]),
    logger,
  });
  try {
    await server.start();
  } catch (err) {
    await clusters.close();
    throw err;
  }
  logger.info(
    {
      address: server.address,
      clusters: Object.fromEntries(conf.clusters),
      cropConcurrency: conf.cropConcurrency,
      maxQueuedCrops: conf.maxQueuedCrops,
      vipsThreads,
      uvThreadpoolSize: poolSize,
    },
    'listening',
  );
  return {
    server,
    limiter,
    async stop() {
      await server.stop();
      await clusters.close();
    },
  };
}
