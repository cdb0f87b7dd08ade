/**
 * The embedded FastDFS as a process: `npm start` at the repository root.
 * Reads $PIC_CONF_DIR/fdfs-embedded.conf (default ./conf); the store path is
 * $PIC_DATA_DIR/fdfs (default ./data/fdfs) unless the conf sets store_path0.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pino } from 'pino';
import { EmbeddedFdfs, embeddedOptionsFromConf, StoreLockedError } from '@pic-storage/fdfs-embedded';
import { stopOnSignals } from '@pic-storage/service-process';

const confDir = resolve(process.env.PIC_CONF_DIR ?? 'conf');
const dataDir = resolve(process.env.PIC_DATA_DIR ?? 'data');
const confPath = resolve(confDir, 'fdfs-embedded.conf');
const logger = pino({ name: 'fdfs-embedded', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  // A missing conf file means the defaults; a broken one stops the start.
  const fromConf = existsSync(confPath) ? embeddedOptionsFromConf(shownPath(confPath)) : {};
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

  // npm sets npm_lifecycle_event for the script it runs: under `npm start`, npm is the parent to watch.
  stopOnSignals({ stop: () => server.stop(), logger, watchParent: process.env.npm_lifecycle_event === 'start' });
}

/** The path as errors show it: relative to the working directory when inside it, like conf/fdfs-embedded.conf. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || resolve(rel) !== path ? path : rel;
}

/** sysexits.h EX_CONFIG: a supervisor can tell a bad conf (fix it, do not restart) from a crash. */
const EX_CONFIG = 78;
/** sysexits.h EX_TEMPFAIL: the store is busy (another instance); retrying later may work. */
const EX_TEMPFAIL = 75;

main().catch((err: unknown) => {
  // A bad conf or option value (ConfigError, code FDFS_ERR_INVALID_CONFIG) is one readable line
  // naming the file, line and key; anything else is logged with its stack.
  if (err instanceof Error && (err as { code?: unknown }).code === 'FDFS_ERR_INVALID_CONFIG') {
    process.stderr.write(`fdfs-embedded: cannot start: ${err.message}\n`);
    process.exit(EX_CONFIG);
  }
  // Another instance serves this store: one line naming it, and a status that is not a crash.
  if (err instanceof StoreLockedError) {
    process.stderr.write(`fdfs-embedded: cannot start: ${err.message}\n`);
    process.exit(EX_TEMPFAIL);
  }
  logger.fatal({ err }, 'cannot start');
  process.exit(1);
});
