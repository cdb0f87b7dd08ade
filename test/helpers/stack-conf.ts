/**
 * A conf directory for the whole stack (`npm start`, apps/stack) on free ports of this machine, so
 * that a test's stack can run beside anything else. Every service gets its port from its own conf
 * file, as a deployment would set it; the cluster is the embedded FastDFS on its tracker port.
 */
import { writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export interface StackPorts {
  tracker: number;
  storage: number;
  adminProxy: number;
  metadata: number;
  sessCheck: number;
  cutSvr: [number, number];
  delSvr: [number, number];
  csDelSvr: [number, number];
  front: number;
}

/** How many consecutive ports a stack takes. */
const SPAN = 13;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** SPAN consecutive free ports, from a random base between 20000 and 50000. */
async function freePortRange(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let free = true;
    for (let port = base; port < base + SPAN && free; port++) free = await portFree(port);
    if (free) return base;
  }
  throw new Error(`no ${SPAN} consecutive free ports found`);
}

export interface StackConfOptions {
  /** More FastDFS clusters by hostid (tracker `host:port` lists), for every service that reaches FastDFS. */
  clusters?: Readonly<Record<number, string>>;
}

/** Writes every conf file of the stack into `dir` and returns the ports it uses. */
export async function writeStackConf(dir: string, options: StackConfOptions = {}): Promise<StackPorts> {
  const b = await freePortRange();
  const ports: StackPorts = {
    tracker: b,
    storage: b + 1,
    adminProxy: b + 2,
    metadata: b + 3,
    sessCheck: b + 4,
    cutSvr: [b + 5, b + 6],
    delSvr: [b + 7, b + 8],
    csDelSvr: [b + 9, b + 10],
    front: b + 11,
  };
  const cluster = [
    `cluster_0 = 127.0.0.1:${ports.tracker}`,
    ...Object.entries(options.clusters ?? {}).map(([hostid, trackers]) => `cluster_${hostid} = ${trackers}`),
  ].join('\n');
  const list = (p: number[]): string => p.map((port) => `127.0.0.1:${port}`).join(',');
  const files: Record<string, string> = {
    'stack.conf': [
      'embedded_fdfs = yes',
      `cut_svr_ports = ${ports.cutSvr.join(', ')}`,
      `del_svr_ports = ${ports.delSvr.join(', ')}`,
      `cs_del_svr_ports = ${ports.csDelSvr.join(', ')}`,
      `front_ports = ${ports.front}`,
    ].join('\n'),
    'fdfs-embedded.conf': `tracker_port = ${ports.tracker}\nstorage_port = ${ports.storage}`,
    'metadata-dbsvr.conf': `port = ${ports.metadata}`,
    'sess-check-svr.conf': `port = ${ports.sessCheck}`,
    'cut-svr.conf': `port = ${ports.cutSvr[0]}\n${cluster}`,
    'del-svr.conf': `port = ${ports.delSvr[0]}`,
    'cs-del-svr.conf': [
      `port = ${ports.csDelSvr[0]}`,
      cluster,
      `metadata_server = 127.0.0.1:${ports.metadata}`,
      `purge_url = http://127.0.0.1:${ports.front}/purge`,
    ].join('\n'),
    'admin-proxy.conf': [
      `port = ${ports.adminProxy}`,
      `route = 3005 ${list(ports.cutSvr)}`,
      `route = 3002 ${list(ports.delSvr)}`,
      `route = 3030 ${list(ports.csDelSvr)}`,
      `route = 0x10B5 127.0.0.1:${ports.sessCheck}`,
      `route = 4001-4003 127.0.0.1:${ports.metadata}`,
    ].join('\n'),
    'front.conf': [cluster, `metadata_server = 127.0.0.1:${ports.metadata}`].join('\n'),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), `${text}\n`);
  return ports;
}

/** Every port of the stack, for "all closed" checks. */
export function allPorts(ports: StackPorts): number[] {
  return [
    ports.tracker,
    ports.storage,
    ports.adminProxy,
    ports.metadata,
    ports.sessCheck,
    ...ports.cutSvr,
    ...ports.delSvr,
    ...ports.csDelSvr,
    ports.front,
  ];
}

/** Whether a connection to `port` is refused (nothing listens); a connect or a 5 s silence is not. */
export function portRefused(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}
