import { execFile } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cmd, encodeHeader, encodeUploadHead } from 'fastdfs-protocol';
import { C_TOOLS_DIR, writeClientConf } from '../../helpers/c-tools.js';
import { RawConn, removeDir } from '../../helpers/raw-client.js';

/*
 * The 40 ms delayed-ACK stall of two-write clients (FastDFS's C client: header and fields in one
 * write, the file in the next, Nagle on). Once the storage has answered a request, Linux delays
 * the ACK of the next small segment; the client's second write waits for that ACK. The embedded
 * server calls quickAck() after every read that leaves a request incomplete (FastDFS's storage
 * does it after every read; a complete request's reply carries the ACK anyway). Asserted here
 * through the kernel's own state (getsockopt TCP_QUICKACK on the server's socket after each read),
 * not through timings: each read that leaves a request incomplete must leave the socket ACKing at
 * once.
 */

type EmbeddedModule = typeof import('@pic-storage/fdfs-embedded');
type QuickAckModule = typeof import('@pic-storage/tcp-quickack');

const ADDON = fileURLToPath(new URL('../../../libs/tcp-quickack/build/Release/tcp_quickack.node', import.meta.url));
const addonBuilt = process.platform === 'linux' && existsSync(ADDON);
const FDFS_TEST = join(C_TOOLS_DIR, 'fdfs_test');
const UPLOADS = 20;

interface ReadSample {
  /** The server socket's quick-ACK state when the read arrived, and once the server handled it. */
  before: boolean | undefined;
  after: boolean | undefined;
  /** Whether the bytes read so far end inside a request (10-byte header + announced body). */
  partial: boolean;
}

/** Follows a FastDFS request stream's frame boundaries, read by read. */
class FrameTracker {
  private headerHave = 0;
  private readonly header = Buffer.alloc(10);
  private bodyLeft = 0;

  /** Takes one read; true when it ends inside a request. */
  take(chunk: Buffer): boolean {
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= n;
        at += n;
        continue;
      }
      const n = Math.min(10 - this.headerHave, chunk.length - at);
      chunk.copy(this.header, this.headerHave, at, at + n);
      this.headerHave += n;
      at += n;
      if (this.headerHave === 10) {
        this.headerHave = 0;
        this.bodyLeft = Number(this.header.readBigInt64BE(0));
      }
    }
    return this.headerHave > 0 || this.bodyLeft > 0;
  }
}

interface Running {
  server: InstanceType<EmbeddedModule['EmbeddedFdfs']>;
  basePath: string;
  /** One sample per read of a storage connection. */
  reads: ReadSample[];
  stop(): Promise<void>;
}

/**
 * The embedded server as it loads with PIC_TCP_QUICKACK set to `setting`, on free ports, and
 * the quick-ACK state of its storage sockets around every read they make.
 */
async function startWith(setting: string | undefined): Promise<Running> {
  vi.resetModules();
  vi.stubEnv('PIC_TCP_QUICKACK', setting);
  const { EmbeddedFdfs } = await import('@pic-storage/fdfs-embedded');
  const qa: QuickAckModule = await import('@pic-storage/tcp-quickack');
  const basePath = await mkdtemp(join(tmpdir(), 'fdfs-quickack-'));
  const server = new EmbeddedFdfs({ basePath, trackerPort: 0, storagePort: 0, logger: false });
  const reads: ReadSample[] = [];
  let storagePort = -1;
  // Published for every accepted connection, before its first byte can be read.
  const onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    if (socket.localPort !== storagePort) return;
    // First among the 'data' listeners: the state as the read arrived. The next tick runs after
    // the server's listeners (its quickAck() among them) and before any reply, which is only
    // written once the handler's promises (and disk I/O) settle.
    const frames = new FrameTracker();
    socket.prependListener('data', (chunk: Buffer) => {
      const before = qa.quickAckState(socket);
      const partial = frames.take(chunk);
      process.nextTick(() => reads.push({ before, after: qa.quickAckState(socket), partial }));
    });
  };
  await server.start();
  storagePort = server.storageAddress.port;
  subscribe('net.server.socket', onSocket);
  return {
    server,
    basePath,
    reads,
    async stop() {
      unsubscribe('net.server.socket', onSocket);
      await server.stop();
      await removeDir(basePath);
    },
  };
}

/**
 * Uploads as FastDFS's C client does on a kept-alive connection: the header and the upload fields
 * in one write, the content in a second one, with Nagle on (Node's default).
 */
async function uploadInTwoWrites(running: Running): Promise<number[]> {
  const conn = await RawConn.connect(running.server.storageAddress);
  const statuses: number[] = [];
  try {
    const content = Buffer.alloc(4096, 0x61);
    for (let i = 0; i < UPLOADS; i += 1) {
      const head = encodeUploadHead({ storePathIndex: 0, fileSize: content.length, ext: 'jpg' });
      conn.write(Buffer.concat([encodeHeader(head.length + content.length, Cmd.UPLOAD_FILE, 0), head]));
      conn.write(content);
      statuses.push((await conn.reply(15_000)).status);
    }
  } finally {
    conn.destroy();
  }
  return statuses;
}

/** Every read that left a request incomplete left the socket ACKing at once; returns how many there were. */
function expectQuickAckAfterPartialReads(reads: ReadSample[]): number {
  const partial = reads.filter((r) => r.partial);
  expect(partial.length).toBeGreaterThan(0);
  expect(partial.map((r) => r.after)).toEqual(partial.map(() => true));
  return partial.length;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe.skipIf(!addonBuilt)('embedded server: two-write clients are ACKed at once (TCP_QUICKACK)', () => {
  it('ACKs every read that leaves a request of a two-write Nagle client incomplete', async () => {
    const running = await startWith(undefined);
    try {
      expect(await uploadInTwoWrites(running)).toEqual(Array.from({ length: UPLOADS }, () => 0));
      expect(running.reads.length).toBeGreaterThanOrEqual(UPLOADS);
      // The kernel did delay ACKs when reads arrived (else this shows nothing): a reply sent soon
      // after a request puts the connection in pingpong mode, and 20 uploads give it many chances...
      expect(running.reads.filter((r) => r.before === false).length).toBeGreaterThan(0);
      // ...and every read that left an upload incomplete (its first write, header and fields, unless
      // both writes arrived in one read, as on a fresh connection) left the socket ACKing at once.
      expect(expectQuickAckAfterPartialReads(running.reads)).toBeGreaterThanOrEqual(UPLOADS / 2);
    } finally {
      await running.stop();
    }
  });

  it('leaves delayed ACKs on with PIC_TCP_QUICKACK=0 (the stall this fixes)', async () => {
    const running = await startWith('0');
    try {
      expect(await uploadInTwoWrites(running)).toEqual(Array.from({ length: UPLOADS }, () => 0));
      expect(running.reads.filter((r) => r.partial && r.after === false).length).toBeGreaterThan(0);
    } finally {
      await running.stop();
    }
  });

  // fdfs_test upload: UPLOAD_FILE then SET_METADATA (two writes) on the same storage connection,
  // the sequence that stalled 44 ms on every run.
  it.runIf(existsSync(FDFS_TEST))(
    'ACKs every read that leaves a request of FastDFS C client fdfs_test incomplete (upload, metadata, slave)',
    async () => {
      const running = await startWith(undefined);
      try {
        const { host, port } = running.server.trackerAddress;
        const conf = await writeClientConf(running.basePath, `${host}:${port}`);
        const file = join(running.basePath, 'picture.jpg');
        await writeFile(file, Buffer.alloc(4096, 0x62));
        const { stdout } = await promisify(execFile)(FDFS_TEST, [conf, 'upload', file], { timeout: 30_000 });
        expect(stdout).toContain('storage_upload_slave_by_filename');
        expect(stdout).toMatch(/remote_filename=M00\/\S+_big/);
        expectQuickAckAfterPartialReads(running.reads);
      } finally {
        await running.stop();
      }
    },
  );
});
