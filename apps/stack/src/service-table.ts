import type { StackConf } from './stack-conf.js';

/** One process the stack runs: an app's main, with PIC_PORT when it is one of several instances. */
export interface StackService {
  /** `del-svr:9011`: the name in the stack's logs. */
  name: string;
  /** The app folder under apps/. */
  app: string;
  /** PIC_PORT for this instance; undefined: the port of the service's own conf. */
  port?: number;
  /** Node options before the main script. */
  nodeArgs?: readonly string[];
}

/**
 * The front's young generation at 4 MB a semi-space instead of V8's 16: its garbage is per-request
 * and short-lived, so the smaller nursery costs little (measured in bench/front.bench.mjs, cell 1)
 * and keeps its RSS within the cache budget + 150 MB under a flood of misses (cell 4), where the
 * default young generation alone holds up to 48 MB more. V8 reads it at start only.
 */
export const FRONT_NODE_ARGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * admin_proxy's young generation at V8's largest semi-space (16 MB) from the start. Every request
 * of every client crosses it as two frames on two connections, and all it allocates dies within
 * the request; V8 starts the nursery at 1 MB and, as almost nothing survives, never grows it, so
 * it scavenged every few hundred requests: a third of the proxy's CPU per request
 * (bench/admin-proxy.bench.mjs). Costs up to 32 MB of RSS, in one process.
 */
export const ADMIN_PROXY_NODE_ARGS: readonly string[] = ['--min-semi-space-size=16'];

/** Node options per app (apps/<app>); the apps not named run with Node's defaults. */
export const APP_NODE_ARGS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  front: FRONT_NODE_ARGS,
  'admin-proxy': ADMIN_PROXY_NODE_ARGS,
});

/** The node options the stack starts `app` with. */
export function nodeArgsOf(app: string): readonly string[] {
  return APP_NODE_ARGS[app] ?? [];
}

/** What `npm start` runs, in start order: the FastDFS first, the entry points (proxy, front) last. */
export function stackServices(conf: StackConf): StackService[] {
  const services: StackService[] = [];
  if (conf.embeddedFdfs) services.push({ name: 'fdfs-embedded', app: 'fdfs-embedded' });
  services.push({ name: 'metadata-dbsvr', app: 'metadata-dbsvr' });
  services.push({ name: 'sess-check-svr', app: 'sess-check-svr' });
  const scaled: [string, number[]][] = [
    ['del-svr', conf.delSvrPorts],
    ['cs-del-svr', conf.csDelSvrPorts],
    ['cut-svr', conf.cutSvrPorts],
  ];
  for (const [app, ports] of scaled) {
    ports.forEach((port, i) => services.push({ name: `${app}#${i + 1}`, app, port }));
  }
  services.push({ name: 'admin-proxy', app: 'admin-proxy' });
  conf.frontPorts.forEach((port, i) => services.push({ name: `front#${i + 1}`, app: 'front', port }));
  return services.map((service) => {
    const nodeArgs = nodeArgsOf(service.app);
    return nodeArgs.length > 0 ? { ...service, nodeArgs } : service;
  });
}
