import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedFdfs, type EmbeddedFdfsOptions } from '@pic-storage/fdfs-embedded';
import { FrameReader } from '@pic-storage/framing';
import { Cmd, decodeGroupFile, encodeHeader, encodeUploadHead, FRAME_FORMAT, type Header } from 'fastdfs-protocol';

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

  /**
   * The next reply. The bytes stay in `buf` (and count as `pending`) until a whole reply is
   * there: a FrameReader fresh for this call reads them from the start, in streamed mode so that
   * its `head` event tells the header is complete. A reply that timed out is read again from its
   * first byte by the next call.
   */
  async reply(timeoutMs = 5000): Promise<RawReply> {
    const frames = new FrameReader(FRAME_FORMAT, { maxBody: Number.MAX_SAFE_INTEGER, streamBody: () => true });
    let fed = 0;
    let header: Header | undefined;
    const chunks: Buffer[] = [];
    let complete = false;
    /** Gives the reader the bytes that came in since the last call; true once the reply is complete. */
    const feed = (): boolean => {
      const fresh = this.buf.subarray(fed);
      fed = this.buf.length;
      for (const event of frames.push(fresh)) {
        if (event.type === 'head') header = event.header;
        else if (event.type === 'chunk') chunks.push(event.chunk);
        else if (event.type === 'end') {
          complete = true;
          return true; // the bytes after it belong to the next reply: this reader stops here
        }
      }
      return false;
    };
    await this.until(() => feed() || header !== undefined || this.closedFlag, timeoutMs, 'a reply header');
    if (header === undefined) throw new Error('connection closed before a reply');
    if (!complete) await this.until(() => feed() || this.closedFlag, timeoutMs, 'a reply body');
    if (!complete) throw new Error('connection closed in the middle of a reply');
    this.buf = this.buf.subarray(FRAME_FORMAT.headerSize + header.bodyLength);
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    return { cmd: header.cmd, status: header.status, body };
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
export async function startEmbedded(
  extra: Partial<EmbeddedFdfsOptions> = {},
  basePath?: string,
): Promise<{ server: EmbeddedFdfs; basePath: string }> {
  const base = basePath ?? (await mkdtemp(join(tmpdir(), 'fdfs-embedded-')));
  const server = new EmbeddedFdfs({ basePath: base, trackerPort: 0, storagePort: 0, logger: false, ...extra });
  await server.start();
  return { server, basePath: base };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Uploads `content` with cmd 11 (or 23) on `conn`; returns the remote filename. */
export async function upload(
  conn: RawConn,
  content: Buffer,
  ext = 'bin',
  cmd: number = Cmd.UPLOAD_FILE,
): Promise<string> {
  const head = encodeUploadHead({ storePathIndex: 0, fileSize: content.length, ext });
  const reply = await conn.request(cmd, Buffer.concat([head, content]));
  if (reply.status !== 0) throw new Error(`upload failed with status ${reply.status}`);
  return decodeGroupFile(reply.body).filename;
}
