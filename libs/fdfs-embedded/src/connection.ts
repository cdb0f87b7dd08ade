import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { EmbeddedLogger } from './options.js';
import { ReadError, SocketReader } from './socket-reader.js';
import { invalid, statusOf } from './status.js';
import { Cmd, decodeHeader, encodeHeader, Errno, HEADER_SIZE } from 'fastdfs-protocol';

/**
 * One request as a handler sees it. FastDFS has no request id: a connection carries one
 * request at a time, answered in order (libserverframe), so the body is read straight
 * from the socket by the handler, and bytes after it belong to the next request.
 */
export interface Request {
  readonly cmd: number;
  /** The header's status byte: 0, or QUERY_FILE_INFO flags. */
  readonly flags: number;
  readonly bodyLength: number;
  /**
   * Body bytes not read yet. When a handler fails before reading all of them, the rest is
   * skipped if small (DRAIN_LIMIT), else the connection is closed after the reply.
   */
  readonly remaining: number;
  /** Reads the whole body; EINVAL when it is longer than `limit`. */
  body(limit: number): Promise<Buffer>;
  read(n: number): Promise<Buffer>;
  /** Streams `n` body bytes to `sink`, one chunk at a time. */
  stream(n: number, sink: (chunk: Buffer) => Promise<void> | void): Promise<void>;
}

export interface Reply {
  status?: number;
  body?: Buffer;
  /** Content sent from disk after the header (downloads): exactly `length` bytes from `start`. */
  file?: { path: string; start: number; length: number };
}

export type Handler = (req: Request) => Promise<Reply>;

export interface ConnectionConfig {
  role: 'tracker' | 'storage';
  dispatch: (cmd: number) => Handler | undefined;
  networkTimeoutMs: number;
  idleTimeoutMs: number;
  logger: EmbeddedLogger;
}

const HIGH_WATER = 1024 * 1024;
/** A refused request whose unread body is at most this long is skipped; a longer one closes the connection. */
const DRAIN_LIMIT = 64 * 1024;
/** How long a connection closed after a bad request keeps swallowing the client's bytes, so the reply is not lost to a reset. */
const LINGER_MS = 2000;

const emptyReply = async (req: Request): Promise<Reply> => {
  if (req.bodyLength !== 0) throw invalid(`cmd ${req.cmd} takes no body`);
  return {};
};

export class Connection {
  private readonly reader: SocketReader;
  private readonly peer: string;

  constructor(private readonly socket: Socket, private readonly config: ConnectionConfig) {
    this.reader = new SocketReader(socket, HIGH_WATER);
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // reported through the reader; avoids an unhandled 'error'
  }

  /** Serves requests until the peer quits, a timeout strikes, or a request leaves the stream unreadable. */
  async run(): Promise<void> {
    const { logger, role } = this.config;
    try {
      for (;;) {
        // Between requests the idle timeout applies; once a header has started, network_timeout.
        if (this.reader.available === 0) {
          try {
            await this.reader.wait(1, this.config.idleTimeoutMs, 'idle-timeout');
          } catch (err) {
            if (err instanceof ReadError && err.reason === 'closed') {
              this.socket.destroy();
              return;
            }
            throw err;
          }
        }
        const header = decodeHeader(await this.reader.read(HEADER_SIZE, this.config.networkTimeoutMs));
        // 82 QUIT: close without a reply (tracker_service.c 4455-4457, storage_service.c 8590-8592).
        if (header.cmd === Cmd.QUIT) {
          this.socket.destroy();
          return;
        }
        const started = Date.now();
        const req = this.request(header.cmd, header.status, header.bodyLength);
        const handler = header.cmd === Cmd.ACTIVE_TEST ? emptyReply : this.config.dispatch(header.cmd);
        let reply: Reply;
        try {
          if (handler === undefined) throw invalid(`unknown cmd ${header.cmd}`); // storage_service.c 8628-8634
          reply = await handler(req);
        } catch (err) {
          if (err instanceof ReadError) throw err;
          const status = statusOf(err);
          if (status === Errno.EIO) logger.error({ role, peer: this.peer, cmd: header.cmd, err }, 'request failed');
          else logger.debug({ role, peer: this.peer, cmd: header.cmd, status, reason: (err as Error).message }, 'request refused');
          reply = { status };
        }
        await this.send(reply);
        logger.debug({ role, peer: this.peer, cmd: header.cmd, status: reply.status ?? 0, ms: Date.now() - started }, 'request');
        if (req.remaining > DRAIN_LIMIT) {
          this.lingerAndClose();
          return;
        }
        // A small unread rest (a request refused early) is skipped so the connection stays usable.
        if (req.remaining > 0) await this.reader.stream(req.remaining, this.config.networkTimeoutMs, () => undefined);
      }
    } catch (err) {
      if (err instanceof ReadError) {
        if (err.reason !== 'closed') logger.info({ role, peer: this.peer, reason: err.reason }, 'closing connection');
      } else {
        logger.warn({ role, peer: this.peer, err }, 'connection failed');
      }
      this.socket.destroy();
    }
  }

  private request(cmd: number, flags: number, bodyLength: number): Request {
    const reader = this.reader;
    const timeout = this.config.networkTimeoutMs;
    let remaining = bodyLength;
    const take = (n: number): void => {
      if (n > remaining) throw invalid(`cmd ${cmd}: body of ${bodyLength} bytes is too short`);
      remaining -= n;
    };
    return {
      cmd,
      flags,
      bodyLength,
      get remaining() {
        return remaining;
      },
      async body(limit: number) {
        if (remaining > limit) throw invalid(`cmd ${cmd}: body of ${bodyLength} bytes exceeds ${limit}`);
        const n = remaining;
        take(n);
        return reader.read(n, timeout);
      },
      async read(n: number) {
        take(n);
        return reader.read(n, timeout);
      },
      async stream(n: number, sink: (chunk: Buffer) => Promise<void> | void) {
        take(n);
        await reader.stream(n, timeout, sink);
      },
    };
  }

  private async send(reply: Reply): Promise<void> {
    const status = reply.status ?? 0;
    if (reply.file !== undefined && status === 0) {
      const { path, start, length } = reply.file;
      if (length <= SMALL_FILE_BYTES) {
        let payload: Buffer;
        try {
          payload = await readWithHeader(path, start, length);
        } catch (err) {
          // Deleted since the handler saw it: nothing is written yet, so say so.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          payload = encodeHeader(0, Cmd.RESP, Errno.ENOENT);
        }
        await this.write(payload);
        return;
      }
      await this.write(encodeHeader(length, Cmd.RESP, 0));
      let sent = 0;
      if (length > 0) {
        for await (const chunk of createReadStream(path, { start, end: start + length - 1, highWaterMark: 256 * 1024 })) {
          const buf = chunk as Buffer;
          sent += buf.length;
          await this.write(buf);
        }
      }
      // The header promised `length` bytes: if the file shrank meanwhile the stream cannot be resynchronised.
      if (sent !== length) throw new Error(`file ${path} shrank while being sent (${sent} of ${length} bytes)`);
      return;
    }
    const body = status === 0 ? (reply.body ?? Buffer.alloc(0)) : Buffer.alloc(0);
    await this.write(body.length === 0 ? encodeHeader(0, Cmd.RESP, status) : Buffer.concat([encodeHeader(body.length, Cmd.RESP, status), body]));
  }

  /** Writes with backpressure: waits for 'drain', at most network_timeout. */
  private write(buf: Buffer): Promise<void> {
    if (this.socket.destroyed) return Promise.reject(new ReadError('closed'));
    if (this.socket.write(buf)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: ReadError): void => {
        clearTimeout(timer);
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(new ReadError('closed'));
      const timer = setTimeout(() => done(new ReadError('network-timeout')), this.config.networkTimeoutMs);
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
    });
  }

  /**
   * The body was not (fully) read, so the next header cannot be found: close. The reply is
   * already written; keep reading (and dropping) for a moment so the kernel does not answer
   * the client's in-flight bytes with a reset that could discard the reply.
   */
  private lingerAndClose(): void {
    this.reader.discardAll();
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), Math.min(LINGER_MS, this.config.networkTimeoutMs));
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }
}

/**
 * Small files (most pictures) go out as one buffer: the header and one positioned read. A
 * read stream per request costs more than the read itself at this size.
 */
const SMALL_FILE_BYTES = 256 * 1024;

async function readWithHeader(path: string, start: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + length);
  encodeHeader(length, Cmd.RESP, 0).copy(buf, 0);
  const file = await open(path, 'r');
  try {
    let read = 0;
    while (read < length) {
      const { bytesRead } = await file.read(buf, HEADER_SIZE + read, length - read, start + read);
      if (bytesRead === 0) throw new Error(`file ${path} shrank while being read (${read} of ${length} bytes)`);
      read += bytesRead;
    }
  } finally {
    await file.close();
  }
  return buf;
}
