import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cmd, encodeStoreOneResponse } from 'fastdfs-protocol';
import { runCli } from '../../helpers/client-conformance.js';
import { FakeFdfsServer } from '../../helpers/fake-fdfs-server.js';

/*
 * A tracker or storage address that leads to something else than FastDFS: the CLI names that
 * server instead of printing the client's header error alone.
 */

let dir: string;
let http: HttpServer;
let garbage: Server;
let fakeTracker: FakeFdfsServer;
let httpAddress: string;
let garbageAddress: string;

async function listening<T extends HttpServer | Server>(server: T): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fdfs-cli-not-fastdfs-'));
  await writeFile(join(dir, 'a.txt'), 'hello');
  // node:http answers a request it cannot parse with `HTTP/1.1 400 Bad Request`.
  http = createHttpServer((_req, res) => res.end('hello'));
  httpAddress = await listening(http);
  garbage = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('garbage, not a FastDFS header'));
  });
  garbageAddress = await listening(garbage);
  // A tracker that is FastDFS, but sends uploads to the HTTP server.
  fakeTracker = new FakeFdfsServer((req) => {
    if (req.cmd === Cmd.ACTIVE_TEST) return { reply: Buffer.alloc(0) };
    if (req.cmd !== Cmd.QUERY_STORE_WITHOUT_GROUP_ONE) return { close: true };
    const [host, port] = httpAddress.split(':') as [string, string];
    return { reply: encodeStoreOneResponse({ group: 'group1', host, port: Number(port), storePathIndex: 0 }, 16) };
  });
  await fakeTracker.listen();
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
  await new Promise((resolve) => garbage.close(resolve));
  await fakeTracker.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fdfs against a server that is not FastDFS', () => {
  it('names an HTTP server on the tracker port', async () => {
    const res = await runCli(['--tracker', httpAddress, 'groups'], dir);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(
      new RegExp(`^fdfs: ${httpAddress} is not a FastDFS server \\(.*\\) \\[FDFS_ERR_PROTOCOL\\]\\n$`),
    );
  });

  it('names a tracker that sends garbage, among several', async () => {
    const res = await runCli(['--tracker', garbageAddress, '--tracker', httpAddress, 'upload', 'a.txt'], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`^fdfs: ${garbageAddress} is not a FastDFS server \\(`));
  });

  it('names the storage when the tracker is FastDFS but the storage it names is not', async () => {
    const res = await runCli(['--tracker', fakeTracker.address, 'upload', 'a.txt'], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      new RegExp(`^fdfs: ${httpAddress} is not a FastDFS server \\(.*\\[FDFS_ERR_PROTOCOL\\]\\n$`),
    );
  });
});
