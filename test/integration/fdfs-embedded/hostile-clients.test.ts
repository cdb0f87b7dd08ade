import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { Cmd, encodeDownloadRequest, encodeGroupFile, encodeHeader } from 'fastdfs-protocol';
import { RawConn, removeDir, startEmbedded, upload } from '../../helpers/raw-client.js';
import { Flooder } from './flood-client.js';

/** A correctness bound, not a benchmark: a starved client waited 7-15 s before the fix. */
const ANSWER_BOUND_MS = 1000;

function frame(cmd: number, body: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([encodeHeader(body.length, cmd), body]);
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One request on a well-behaved connection; returns how long the answer took. */
async function timed(conn: RawConn, cmd: number, body?: Buffer): Promise<number> {
  const start = performance.now();
  conn.send(cmd, body);
  const reply = await conn.reply(30_000);
  expect(reply.status).toBe(0);
  return performance.now() - start;
}

describe('pipelined floods', () => {
  let server: EmbeddedFdfs;
  let base: string;
  let name: string;
  const flooders: Flooder[] = [];

  beforeAll(async () => {
    ({ server, basePath: base } = await startEmbedded({ networkTimeoutMs: 60_000 }));
    const s = await RawConn.connect(server.storageAddress);
    name = await upload(s, Buffer.alloc(64 * 1024, 1), 'bin');
    s.destroy();
  });
  afterAll(async () => {
    for (const f of flooders) f.stop();
    await server.stop();
    await removeDir(base);
  });

  it('16 connections pipelining cheap requests without reading do not delay other clients of either listener', async () => {
    const info = frame(Cmd.QUERY_FILE_INFO, encodeGroupFile({ group: 'group1', filename: name }));
    const floods: [{ host: string; port: number }, Buffer][] = [];
    for (let i = 0; i < 4; i++) {
      floods.push([server.storageAddress, frame(Cmd.ACTIVE_TEST)]);
      floods.push([server.storageAddress, info]);
      floods.push([server.trackerAddress, frame(Cmd.ACTIVE_TEST)]);
      floods.push([server.trackerAddress, frame(Cmd.QUERY_STORE_WITHOUT_GROUP_ONE)]);
    }
    const storage = await RawConn.connect(server.storageAddress);
    const tracker = await RawConn.connect(server.trackerAddress);
    for (const [address, f] of floods) flooders.push(await Flooder.connect(address, f));
    // The floods are under way: thousands of requests each are already in the server's hands.
    await waitFor(() => flooders.every((f) => f.sent > 64 * 1024), 10_000, 'the floods to start');

    const roleOf = (f: Flooder): string => (f.socket.remotePort === server.storageAddress.port ? 'storage' : 'tracker');
    const answered = (): number => {
      const keys = new Set(flooders.map((f) => `${roleOf(f)}:${f.socket.localPort}`));
      const stats = server.connectionStats().filter((c) => keys.has(`${c.role}:${c.remotePort}`));
      expect(stats).toHaveLength(flooders.length);
      return stats.reduce((sum, c) => sum + c.bytesWritten, 0);
    };
    const answeredBefore = answered();
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      times.push(await timed(storage, Cmd.ACTIVE_TEST));
      times.push(await timed(storage, Cmd.QUERY_FILE_INFO, encodeGroupFile({ group: 'group1', filename: name })));
      times.push(await timed(tracker, Cmd.ACTIVE_TEST));
      times.push(await timed(tracker, Cmd.QUERY_STORE_WITHOUT_GROUP_ONE));
    }
    expect(Math.max(...times)).toBeLessThan(ANSWER_BOUND_MS);
    // The floods were being served meanwhile: the well-behaved clients were not answered by luck of a lull.
    expect(answered()).toBeGreaterThan(answeredBefore);
    storage.destroy();
    tracker.destroy();
    for (const f of flooders.splice(0)) f.stop();
  });

  it('a connection that does not read its replies is no longer read from, and its buffers stay bounded', async () => {
    const download = frame(
      Cmd.DOWNLOAD_FILE,
      encodeDownloadRequest({ offset: 0, length: 0, group: 'group1', filename: name }),
    );
    const flooder = await Flooder.connect(server.storageAddress, download);
    flooders.push(flooder);
    // The server stopped reading: the kernel buffers between the two filled and the flooder's writes stall.
    await waitFor(() => flooder.stalledMs > 500, 20_000, 'the flooder to be pushed back');
    const conn = (): ReturnType<EmbeddedFdfs['connectionStats']>[number] => {
      const found = server
        .connectionStats()
        .find((c) => c.role === 'storage' && c.remotePort === flooder.socket.localPort);
      if (found === undefined) throw new Error('the flooding connection is gone');
      return found;
    };
    const before = conn();
    await new Promise((r) => setTimeout(r, 500));
    const after = conn();
    expect(after.bytesRead).toBe(before.bytesRead);
    expect(after.bytesWritten).toBeGreaterThan(64 * 1024); // it was served until its replies backed up
    // Unparsed requests held for it: at most the pipeline bound (64 KiB) plus one socket read (64 KiB).
    expect(after.bufferedIn).toBeLessThanOrEqual(128 * 1024);
    // Replies waiting in the process: the one being written (a 64 KiB download plus its header).
    expect(after.bufferedOut).toBeLessThanOrEqual(64 * 1024 + 10);
    expect(after.bytesRead).toBeLessThan(flooder.written);

    // Everyone else is still served, on both listeners.
    for (const address of [server.storageAddress, server.trackerAddress]) {
      const other = await RawConn.connect(address);
      expect(await timed(other, Cmd.ACTIVE_TEST)).toBeLessThan(ANSWER_BOUND_MS);
      other.destroy();
    }
    flooder.stop();
  });
});
