/**
 * The embedded FastDFS as a process: `npm start` at the repository root.
 * Reads $PIC_CONF_DIR/fdfs-embedded.conf (default ./conf); the store path is
 * $PIC_DATA_DIR/fdfs (default ./data/fdfs) unless the conf sets store_path0.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { EmbeddedFdfs, embeddedOptionsFromConf } from '@pic-storage/fdfs-embedded';

const confDir = resolve(process.env.PIC_CONF_DIR ?? 'conf');
const dataDir = resolve(process.env.PIC_DATA_DIR ?? 'data');
const confPath = resolve(confDir, 'fdfs-embedded.conf');
const logger = pino({ name: 'fdfs-embedded', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  // A missing conf file means the defaults; a broken one stops the start.
  const fromConf = existsSync(confPath) ? embeddedOptionsFromConf(confPath) : {};
  if (!existsSync(confPath)) logger.warn({ conf: confPath }, 'no conf file, using the defaults');
  const server = new EmbeddedFdfs({
    ...fromConf,
    // PIC_DATA_DIR wins when set, so every service of the stack can be pointed at one data root.
    basePath:
      process.env.PIC_DATA_DIR !== undefined || fromConf.basePath === undefined
        ? resolve(dataDir, 'fdfs')
        : fromConf.basePath,
    logger,
  });
  await server.start();
  logger.info({ conf: confPath, tracker: server.trackerAddress, storage: server.storageAddress }, 'listening');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'cannot start');
  process.exit(1);
});
