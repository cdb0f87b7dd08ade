/**
 * metadata_dbsvr: the picture metadata (cmds 4001-4003) in SQLite. Reads
 * $PIC_CONF_DIR/metadata-dbsvr.conf (default ./conf); the database is
 * $PIC_DATA_DIR/metadata/pictures.db (default ./data/metadata/pictures.db).
 */
import { readServiceConf, runService } from '@pic-storage/service-process';
import { METADATA_DBSVR_CONF_KEYS, readMetadataDbsvrConf } from './conf.js';
import { startMetadataDbsvr } from './metadata-dbsvr.js';

runService('metadata-dbsvr', async (logger) => {
  const { conf } = readServiceConf('metadata-dbsvr.conf', METADATA_DBSVR_CONF_KEYS);
  return startMetadataDbsvr(readMetadataDbsvrConf(conf), logger);
});
