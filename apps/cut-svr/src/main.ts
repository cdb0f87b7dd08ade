/**
 * cut_svr: crop and thumbnail, cmd 3005 (docs/frame-protocol.md). Reads $PIC_CONF_DIR/cut-svr.conf (default
 * ./conf); PIC_PORT overrides its port, PIC_TRACKER_SERVER its cluster 0. More than 4 crops at
 * once need UV_THREADPOOL_SIZE set in the environment (see docs/services/cut-svr.md).
 */
import { runService } from '@pic-storage/service-process';
import { readCutSvrConf } from './cut-svr-conf.js';
import { startCutSvr } from './cut-svr.js';

runService('cut_svr', async (logger) => {
  const { conf, path } = readCutSvrConf();
  logger.info({ conf: path }, 'conf read');
  return startCutSvr(conf, logger);
});
