/**
 * del_svr as a process: reads $PIC_CONF_DIR/del-svr.conf (default ./conf), appends the deletes of
 * cmd 3002 to <base_path>/log/delete.log. A second instance on the same log: PIC_PORT=9011.
 */
import { readServiceConf, runService } from '@pic-storage/service-process';
import { DEL_SVR_CONF_KEYS, readDelSvrConf } from './conf.js';
import { startDelSvr } from './del-svr.js';

runService('del-svr', async (logger) => {
  const { conf } = readServiceConf('del-svr.conf', DEL_SVR_CONF_KEYS);
  return startDelSvr(readDelSvrConf(conf), logger);
});
