/**
 * The Docker image's HEALTHCHECK: `node apps/stack/dist/healthcheck.js` exits 0 when the stack's
 * two public listeners answer, 1 otherwise, with one line saying what answered or what did not:
 *
 *   - every front (stack.conf front_ports): GET /status is 200 with the front's JSON;
 *   - admin_proxy (admin-proxy.conf port): accepts a TCP connection.
 *
 * The stack reports `stack ready` only once every service listens, and these two start last, so
 * both answering is the stack up. Addresses are read as the services read them, from the same conf
 * dir: PIC_BIND_ADDR or the conf's bind_addr, a wildcard bind (0.0.0.0, ::) reached through
 * loopback. Each probe gives up after PROBE_TIMEOUT_MS, under the image's 5 s HEALTHCHECK timeout.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';
import { publicBindAddr, readServiceConf } from '@pic-storage/service-process';
import { STACK_CONF_KEYS, readStackConf } from './stack-conf.js';

export const PROBE_TIMEOUT_MS = 3_000;
/** admin_proxy's port when its conf sets none (apps/admin-proxy ADMIN_PROXY_PORT; a test holds them equal). */
export const ADMIN_PROXY_DEFAULT_PORT = 6998;
/** Both public listeners' bind_addr when their conf sets none. */
const DEFAULT_BIND = '127.0.0.1';

export interface ProbeTarget {
  /** `front#1`, `admin-proxy`: as the stack names the service. */
  name: string;
  host: string;
  port: number;
  kind: 'http-status' | 'tcp';
}

/** Where the health probes connect, read from $PIC_CONF_DIR as the services read their own conf. */
export function healthTargets(env: NodeJS.ProcessEnv = process.env): ProbeTarget[] {
  const stack = readStackConf(readServiceConf('stack.conf', STACK_CONF_KEYS).conf, env);
  // Only the two keys below matter here; each service checks its own conf's keys when it starts.
  const anyKey = (): boolean => true;
  const front = readServiceConf('front.conf', [], anyKey).conf;
  const proxy = readServiceConf('admin-proxy.conf', [], anyKey).conf;
  const frontHost = reachable(publicBindAddr(front, DEFAULT_BIND, env));
  const targets: ProbeTarget[] = stack.frontPorts.map((port, i) => {
    if (port === 0) throw new Error(`stack.conf front_ports lists port 0 (a free port): no fixed port to probe`);
    return { name: `front#${i + 1}`, host: frontHost, port, kind: 'http-status' };
  });
  targets.push({
    name: 'admin-proxy',
    host: reachable(publicBindAddr(proxy, DEFAULT_BIND, env)),
    port: proxy.int('port', 1, 65535) ?? ADMIN_PROXY_DEFAULT_PORT,
    kind: 'tcp',
  });
  return targets;
}

/** A listener bound to every address is reached through loopback, of its own family. */
function reachable(bind: string): string {
  if (bind === '0.0.0.0') return '127.0.0.1';
  if (bind === '::') return '::1';
  return bind;
}

/** What one probe found: ok, and a few words for the health log. */
export interface ProbeResult {
  target: ProbeTarget;
  ok: boolean;
  detail: string;
}

export function probe(target: ProbeTarget, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  return target.kind === 'tcp' ? probeTcp(target, timeoutMs) : probeStatus(target, timeoutMs);
}

function probeTcp(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (ok: boolean, detail: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ target, ok, detail });
    };
    const timer = setTimeout(() => done(false, `no connection within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(true, 'accepts connections'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(false, `connect: ${err.code ?? err.message}`));
  });
}

/** Larger /status bodies are not the front's: the probe stops reading. */
const MAX_STATUS_BYTES = 1024 * 1024;

function probeStatus(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ target, ok, detail });
    };
    const req = request({ host: target.host, port: target.port, path: '/status', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_STATUS_BYTES) done(false, `GET /status: body over ${MAX_STATUS_BYTES} bytes`);
        else chunks.push(chunk);
      });
      res.once('error', (err) => done(false, `GET /status: ${err.message}`));
      res.once('end', () => {
        if (res.statusCode !== 200) return done(false, `GET /status answered ${res.statusCode}`);
        if (!isFrontStatus(Buffer.concat(chunks).toString('utf8'))) {
          return done(false, "GET /status 200, but not the front's status JSON");
        }
        done(true, 'GET /status 200');
      });
    });
    const timer = setTimeout(() => done(false, `GET /status: no answer within ${timeoutMs} ms`), timeoutMs);
    req.once('error', (err: NodeJS.ErrnoException) => done(false, `GET /status: ${err.code ?? err.message}`));
    req.end();
  });
}

/** The front's /status body is JSON naming the service (apps/front status-router.ts). */
function isFrontStatus(body: string): boolean {
  try {
    return (JSON.parse(body) as { service?: unknown }).service === 'front';
  } catch {
    return false;
  }
}

/** Every probe at once; the line the health log keeps, and whether all answered. */
export async function checkHealth(
  targets: readonly ProbeTarget[],
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<{ healthy: boolean; line: string }> {
  const results = await Promise.all(targets.map((target) => probe(target, timeoutMs)));
  const healthy = results.every((r) => r.ok);
  const shown = results.map((r) => `${r.target.name} ${hostPort(r.target)} ${r.ok ? '' : 'FAILED '}${r.detail}`);
  return { healthy, line: `${healthy ? 'healthy' : 'unhealthy'}: ${shown.join('; ')}` };
}

function hostPort({ host, port }: ProbeTarget): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function main(): Promise<number> {
  let targets: ProbeTarget[];
  try {
    targets = healthTargets();
  } catch (err) {
    process.stderr.write(`unhealthy: cannot read the conf: ${(err as Error).message}\n`);
    return 1;
  }
  const { healthy, line } = await checkHealth(targets);
  (healthy ? process.stdout : process.stderr).write(`${line}\n`);
  return healthy ? 0 : 1;
}

// Run as the HEALTHCHECK command; imported (by the tests), it only exports.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main().then((code) => process.exit(code));
}
