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
 * server calls quickAck() on every read, as FastDFS's storage does. Asserted here through the
 * kernel's own state (getsockopt TCP_QUICKACK on the server's socket after each read), not
 * through timings: each read of the storage connection must leave the socket ACKing at once.
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
    socket.prependListener('data', () => {
      const before = qa.quickAckState(socket);
      process.nextTick(() => reads.push({ before, after: qa.quickAckState(socket) }));
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

function expectQuickAckAfterEveryRead(reads: ReadSample[]): void {
  expect(reads.length).toBeGreaterThan(0);
  expect(reads.map((r) => r.after)).toEqual(reads.map(() => true));
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe.skipIf(!addonBuilt)('embedded server: two-write clients are ACKed at once (TCP_QUICKACK)', () => {
  it('ACKs every read of a Nagle client that sends header and body in two writes', async () => {
    const running = await startWith(undefined);
    try {
      expect(await uploadInTwoWrites(running)).toEqual(Array.from({ length: UPLOADS }, () => 0));
      expect(running.reads.length).toBeGreaterThanOrEqual(UPLOADS);
      // The kernel did delay ACKs when reads arrived (else this shows nothing): a reply sent soon
      // after a request puts the connection in pingpong mode, and 20 uploads give it many chances...
      expect(running.reads.filter((r) => r.before === false).length).toBeGreaterThan(0);
      // ...and every read left the socket ACKing at once.
      expectQuickAckAfterEveryRead(running.reads);
    } finally {
      await running.stop();
    }
  });

  it('leaves delayed ACKs on with PIC_TCP_QUICKACK=0 (the stall this fixes)', async () => {
    const running = await startWith('0');
    try {
      expect(await uploadInTwoWrites(running)).toEqual(Array.from({ length: UPLOADS }, () => 0));
      expect(running.reads.filter((r) => r.after === false).length).toBeGreaterThan(0);
    } finally {
      await running.stop();
    }
  });

  // fdfs_test upload: UPLOAD_FILE then SET_METADATA (two writes) on the same storage connection,
  // the sequence that stalled 44 ms on every run.
  it.runIf(existsSync(FDFS_TEST))(
    'ACKs every read of FastDFS C client fdfs_test (upload, metadata, slave)',
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
        expectQuickAckAfterEveryRead(running.reads);
      } finally {
        await running.stop();
      }
    },
  );
});
