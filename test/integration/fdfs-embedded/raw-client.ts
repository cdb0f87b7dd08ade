import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedFdfs, type EmbeddedFdfsOptions } from '@pic-storage/fdfs-embedded';
import { Cmd, decodeGroupFile, encodeHeader, encodeUploadHead, HEADER_SIZE } from 'fastdfs-protocol';

/**
 * A FastDFS peer with nothing but a socket and the codecs: sends frames, reads replies, and
 * tells when the server closed the connection. Deliberately independent of the client's
 * network layer so the server is tested on its own.
 */
export interface RawReply {
  status: number;
  cmd: number;
  body: Buffer;
}

export class RawConn {
  private buf = Buffer.alloc(0);
  private closedFlag = false;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closedFlag = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(address: { host: string; port: number }): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const socket = connect(address.port, address.host, () => resolve(new RawConn(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(cmd: number, body: Buffer = Buffer.alloc(0), status = 0, declaredLength = body.length): void {
    this.socket.write(Buffer.concat([encodeHeader(declaredLength, cmd, status), body]));
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async reply(timeoutMs = 5000): Promise<RawReply> {
    await this.until(() => this.buf.length >= HEADER_SIZE || this.closedFlag, timeoutMs, 'a reply header');
    if (this.buf.length < HEADER_SIZE) throw new Error('connection closed before a reply');
    const length = Number(this.buf.readBigInt64BE(0));
    await this.until(() => this.buf.length >= HEADER_SIZE + length || this.closedFlag, timeoutMs, 'a reply body');
    if (this.buf.length < HEADER_SIZE + length) throw new Error('connection closed in the middle of a reply');
    const reply = { cmd: this.buf[8] as number, status: this.buf[9] as number, body: this.buf.subarray(HEADER_SIZE, HEADER_SIZE + length) };
    this.buf = this.buf.subarray(HEADER_SIZE + length);
    return reply;
  }

  async request(cmd: number, body: Buffer = Buffer.alloc(0), status = 0): Promise<RawReply> {
    this.send(cmd, body, status);
    return this.reply();
  }

  /** Resolves with how long it took the server to close; throws if it stays open past `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<number> {
    const start = Date.now();
    await this.until(() => this.closedFlag, timeoutMs, 'the server to close the connection');
    return Date.now() - start;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Bytes received and not yet read as a reply. */
  get pending(): number {
    return this.buf.length;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A started server on port 0 in a fresh temp dir, silent. */
export async function startEmbedded(extra: Partial<EmbeddedFdfsOptions> = {}, basePath?: string): Promise<{ server: EmbeddedFdfs; basePath: string }> {
  const base = basePath ?? (await mkdtemp(join(tmpdir(), 'fdfs-embedded-')));
  const server = new EmbeddedFdfs({ basePath: base, trackerPort: 0, storagePort: 0, logger: false, ...extra });
  await server.start();
  return { server, basePath: base };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Uploads `content` with cmd 11 (or 23) on `conn`; returns the remote filename. */
export async function upload(conn: RawConn, content: Buffer, ext = 'bin', cmd: number = Cmd.UPLOAD_FILE): Promise<string> {
  const reply = await conn.request(cmd, Buffer.concat([encodeUploadHead({ storePathIndex: 0, fileSize: content.length, ext }), content]));
  if (reply.status !== 0) throw new Error(`upload failed with status ${reply.status}`);
  return decodeGroupFile(reply.body).filename;
}
