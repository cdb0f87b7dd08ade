import { resolve } from 'node:path';
import {
  FRAME_SERVER_CONF_KEYS,
  readFrameServerConf,
  type FrameServerConf,
  type ServiceConf,
} from '@pic-storage/service-process';

/*
 * conf/metadata-dbsvr.conf: the framed-service keys (bind_addr, port, ...) and
 *
 *   base_path = ./data/metadata   # the database is <base_path>/pictures.db; PIC_DATA_DIR, when set,
 *                                 # wins: $PIC_DATA_DIR/metadata (as every service's data does)
 */
export const METADATA_DBSVR_DEFAULT_PORT = 9040;
export const METADATA_DBSVR_CONF_KEYS = [...FRAME_SERVER_CONF_KEYS, 'base_path'] as const;
export const DATABASE_FILE = 'pictures.db';

export interface MetadataDbsvrConf {
  server: FrameServerConf;
  /** The SQLite database file. */
  dbPath: string;
}

export function readMetadataDbsvrConf(
  conf: ServiceConf['conf'],
  env: NodeJS.ProcessEnv = process.env,
): MetadataDbsvrConf {
  const server = readFrameServerConf(conf, METADATA_DBSVR_DEFAULT_PORT, env);
  const basePath = conf.string('base_path');
  let dir: string;
  if (env.PIC_DATA_DIR !== undefined && env.PIC_DATA_DIR !== '') dir = resolve(env.PIC_DATA_DIR, 'metadata');
  else if (basePath !== undefined && basePath !== '') dir = resolve(basePath);
  else dir = resolve('data', 'metadata');
  return { server, dbPath: resolve(dir, DATABASE_FILE) };
}
