import type { Logger } from 'pino';
import { FrameServer } from '@pic-storage/frame-service';
import type { RunningService } from '@pic-storage/service-process';
import type { MetadataDbsvrConf } from './conf.js';
import { metadataHandlers } from './metadata-handlers.js';
import { PictureStore } from './picture-store.js';

export interface StartedMetadataDbsvr extends RunningService {
  readonly address: { host: string; port: number };
}

/** Opens the database and serves cmds 4001-4003 on it; `stop` finishes the requests, then closes the database. */
export async function startMetadataDbsvr(conf: MetadataDbsvrConf, logger: Logger): Promise<StartedMetadataDbsvr> {
  const store = PictureStore.open(conf.dbPath);
  const server = new FrameServer({ ...conf.server, handlers: metadataHandlers(store), logger });
  try {
    await server.start();
  } catch (err) {
    store.close();
    throw err;
  }
  logger.info({ ...server.address, db: conf.dbPath, journal: store.journal() }, 'listening');
  return {
    address: server.address,
    async stop() {
      await server.stop();
      store.close();
    },
  };
}
