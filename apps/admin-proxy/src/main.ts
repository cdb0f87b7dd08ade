/**
 * admin_proxy as a process: reads $PIC_CONF_DIR/admin-proxy.conf (default ./conf; missing = the
 * defaults), listens on its port (6998; PIC_PORT overrides) and relays frames to the backends.
 */
import { readServiceConf, runService } from '@pic-storage/service-process';
import { AdminProxy } from './admin-proxy.js';
import { ADMIN_PROXY_CONF_KEYS, readProxyConf } from './proxy-conf.js';

runService('admin-proxy', async (logger) => {
  const { conf, path, exists } = readServiceConf('admin-proxy.conf', ADMIN_PROXY_CONF_KEYS);
  if (!exists) logger.warn({ conf: path }, 'no conf file, using the defaults');
  const options = readProxyConf(conf);
  const proxy = new AdminProxy({ ...options, logger });
  await proxy.start();
  logger.info(
    {
      conf: path,
      address: proxy.address,
      routes: (options.routes ?? []).map((route) => `${route.cmd} ${route.backends.join(',')}`),
      allowFrom: options.allowFrom,
    },
    'listening',
  );
  return proxy;
});
