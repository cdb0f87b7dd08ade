/**
 * cs_del_svr: batch delete (cmd 3030) from FastDFS, metadata_dbsvr and every cache. Reads
 * $PIC_CONF_DIR/cs-del-svr.conf (default ./conf); PIC_PORT runs a second instance (9031).
 */
import { runService } from '@pic-storage/service-process';
import { readCsDelSvrConfFile } from './conf.js';
import { startCsDelSvr } from './cs-del-svr.js';

runService('cs-del-svr', async (logger) => startCsDelSvr(readCsDelSvrConfFile(), logger));
