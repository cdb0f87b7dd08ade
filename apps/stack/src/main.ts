/**
 * `npm start`: the whole stack on one machine, each service its own process (as each also runs
 * alone in a real deployment). conf/stack.conf says which; each service reads its own conf file
 * in $PIC_CONF_DIR. Logs are every service's JSON lines, then `stack ready` once all listen.
 */
import { fileURLToPath } from 'node:url';
import { readServiceConf, runService } from '@pic-storage/service-process';
import { STACK_CONF_KEYS, readStackConf } from './stack-conf.js';
import { stackServices } from './service-table.js';
import { SupervisedProcess } from './supervised-process.js';

/** Under the stack's own 8 s stop deadline, so that a slow child is killed, not orphaned. */
const CHILD_STOP_TIMEOUT_MS = 6_500;

runService('stack', async (logger) => {
  const { conf, path } = readServiceConf('stack.conf', STACK_CONF_KEYS);
  const services = stackServices(readStackConf(conf));
  const ready = new Set<string>();
  const processes: SupervisedProcess[] = [];
  const stopAll = (): Promise<void> =>
    Promise.all(processes.map((p) => p.stop(CHILD_STOP_TIMEOUT_MS))).then(() => undefined);
  for (const service of services) {
    const main = fileURLToPath(new URL(`../../${service.app}/dist/main.js`, import.meta.url));
    const supervised = new SupervisedProcess({
      service,
      main,
      logger,
      onListening: () => {
        ready.add(service.name);
        if (ready.size === services.length) logger.info({ services: services.map((s) => s.name) }, 'stack ready');
      },
      onFatal: (code) => {
        void stopAll().then(() => process.exit(code));
      },
    });
    processes.push(supervised);
    supervised.start();
  }
  logger.info({ conf: path, services: services.length }, 'stack starting');
  return { stop: stopAll };
});
