/**
 * `npm start`: the whole stack on one machine, each service its own process (as each also runs
 * alone in a real deployment). conf/stack.conf says which; each service reads its own conf file
 * in $PIC_CONF_DIR. Logs are every service's JSON lines, then `stack ready` once all listen, and a
 * table of what listens where on stderr for the person at the terminal.
 */
import { fileURLToPath } from 'node:url';
import { confDir, dataDir, readServiceConf, runService, shownPath } from '@pic-storage/service-process';
import { STACK_CONF_KEYS, readStackConf } from './stack-conf.js';
import { stackServices } from './service-table.js';
import { listenAddresses, startupTable, type ListenAddress } from './startup-table.js';
import { SupervisedProcess } from './supervised-process.js';

/** Under the stack's own 8 s stop deadline, so that a slow child is killed, not orphaned. */
const CHILD_STOP_TIMEOUT_MS = 6_500;

runService('stack', async (logger) => {
  const startedAt = performance.now();
  const { conf, path } = readServiceConf('stack.conf', STACK_CONF_KEYS);
  const stackConf = readStackConf(conf);
  const services = stackServices(stackConf);
  const listens = new Map<string, ListenAddress[]>();
  const processes: SupervisedProcess[] = [];
  const stopAll = (): Promise<void> =>
    Promise.all(processes.map((p) => p.stop(CHILD_STOP_TIMEOUT_MS))).then(() => undefined);
  const onReady = (): void => {
    const started = services.map((service, i) => ({
      name: service.name,
      pid: processes[i]?.pid,
      listens: listens.get(service.name) ?? [],
      http: service.app === 'front',
    }));
    logger.info(
      {
        services: services.map((s) => s.name),
        listening: Object.fromEntries(started.map((s) => [s.name, s.listens])),
      },
      'stack ready',
    );
    process.stderr.write(
      startupTable({
        services: started,
        readyInMs: performance.now() - startedAt,
        confDir: shownPath(confDir()),
        dataDir: shownPath(dataDir()),
        fastdfs: stackConf.embeddedFdfs ? 'embedded' : (process.env.PIC_TRACKER_SERVER ?? 'cluster_0 of each conf'),
        stackPid: process.pid,
      }),
    );
  };
  for (const service of services) {
    const main = fileURLToPath(new URL(`../../${service.app}/dist/main.js`, import.meta.url));
    const supervised = new SupervisedProcess({
      service,
      main,
      logger,
      onListening: (line) => {
        listens.set(service.name, listenAddresses(line));
        if (listens.size === services.length) onReady();
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
