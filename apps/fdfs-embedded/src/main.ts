/**
 * The embedded FastDFS as a process (one of the services `npm start` runs).
 * Reads $PIC_CONF_DIR/fdfs-embedded.conf (default ./conf); the store path is
 * $PIC_DATA_DIR/fdfs (default ./data/fdfs) unless the conf sets store_path0.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EmbeddedFdfs, embeddedOptionsFromConf, StoreLockedError } from '@pic-storage/fdfs-embedded';
import { confDir, dataDir, runService, ServiceBusyError, shownPath } from '@pic-storage/service-process';

// A bad conf exits 78 (EX_CONFIG) with one line naming file, line and key; a store another
// instance serves exits 75 (EX_TEMPFAIL): see runService.
runService('fdfs-embedded', async (logger) => {
  const confPath = resolve(confDir(), 'fdfs-embedded.conf');
  // A missing conf file means the defaults; a broken one stops the start.
  const fromConf = existsSync(confPath) ? embeddedOptionsFromConf(shownPath(confPath)) : {};
  if (!existsSync(confPath)) logger.warn({ conf: confPath }, 'no conf file, using the defaults');
  const server = new EmbeddedFdfs({
    ...fromConf,
    // PIC_DATA_DIR wins when set, so every service of the stack can be pointed at one data root.
    basePath:
      process.env.PIC_DATA_DIR !== undefined || fromConf.basePath === undefined
        ? resolve(dataDir(), 'fdfs')
        : fromConf.basePath,
    logger,
  });
  try {
    await server.start();
  } catch (err) {
    if (err instanceof StoreLockedError) throw new ServiceBusyError(err.message);
    throw err;
  }
  logger.info({ conf: confPath, tracker: server.trackerAddress, storage: server.storageAddress }, 'listening');
  return server;
});
