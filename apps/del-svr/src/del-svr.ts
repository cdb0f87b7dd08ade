import { Cmd } from '@pic-storage/frame-protocol';
import { FrameServer, SILENT_LOGGER, type ServiceLogger } from '@pic-storage/frame-service';
import { DeleteLogWriter, type DeleteLogStats } from '@pic-storage/delete-log';
import type { DelSvrConf } from './conf.js';
import { queueDeletesHandler } from './queue-deletes.js';

export interface DelSvr {
  readonly address: { host: string; port: number };
  readonly logPath: string;
  /** The log's counters: acknowledged requests (appends), group writes, fsyncs, rotations seen. */
  stats(): DeleteLogStats;
  /** Stops accepting, answers what was accepted (once it is durable), closes the log. */
  stop(): Promise<void>;
}

/** del_svr: the delete log opened (its folder created), then the frame server on the conf's port. */
export async function startDelSvr(conf: DelSvrConf, logger: ServiceLogger = SILENT_LOGGER): Promise<DelSvr> {
  const log = new DeleteLogWriter({
    path: conf.logPath,
    sync: conf.sync,
    maxGroupBytes: conf.maxGroupBytes,
    maxQueuedBytes: conf.maxQueuedBytes,
  });
  await log.open();
  const server = new FrameServer({
    ...conf.server,
    handlers: new Map([[Cmd.QUEUE_DELETES, queueDeletesHandler(log, logger)]]),
    logger,
  });
  try {
    await server.start();
  } catch (err) {
    await log.close();
    throw err;
  }
  if (!conf.sync) logger.warn({ log: conf.logPath }, 'fsync is off: acknowledged deletes can be lost in a crash');
  logger.info({ ...server.address, log: conf.logPath, fsync: conf.sync }, 'listening');
  return {
    address: server.address,
    logPath: conf.logPath,
    stats: () => log.stats,
    async stop() {
      await server.stop();
      await log.close();
      logger.info({ stats: log.stats }, 'stopped');
    },
  };
}
