/**
 * sess_check_svr: session-key checks, cmd 0x10B5 (docs/frame-protocol.md, docs/session-key.md). Reads
 * $PIC_CONF_DIR/sess-check-svr.conf (default ./conf); PIC_PORT overrides its port,
 * PIC_SESSION_DES_KEY its des_key, PIC_REDIS_URL its redis_url.
 */
import { runService } from '@pic-storage/service-process';
import { readSessCheckConf } from './sess-check-conf.js';
import { startSessCheckSvr } from './sess-check-svr.js';

runService('sess_check_svr', async (logger) => {
  const { conf, path } = readSessCheckConf();
  logger.info({ conf: path }, 'conf read');
  return startSessCheckSvr(conf, logger);
});
