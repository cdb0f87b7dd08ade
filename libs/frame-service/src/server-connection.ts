import type { Socket } from 'node:net';
import { FrameReader } from '@pic-storage/framing';
import {
  FRAME_FORMAT,
  ResultCode,
  ResultError,
  encodeFrame,
  maxBodyFor,
  type FrameHeader,
} from '@pic-storage/frame-protocol';
import type { FrameReply } from './handler.js';
import type { ResolvedFrameServerOptions } from './server-options.js';

/** How long a client may keep a connection open after the server ended it on stop. */
const END_GRACE_MS = 1_000;

/**
 * One client connection of a FrameServer: frames in, each request served on its own, each reply
 * written when it is ready (so out of order: a reply carries its request's seq). Reading stops
 * while maxInFlightPerConnection requests run or maxUnreadReplyBytes of replies wait unread, so
 * one connection's work and memory are bounded and the others keep being served.
 */
export class ServerConnection {
  private readonly reader: FrameReader<FrameHeader>;
  private readonly abort = new AbortController();
  private inFlight = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly options: ResolvedFrameServerOptions,
  ) {
    this.reader = new FrameReader(FRAME_FORMAT, { maxBody: maxBodyFor(options.maxFrameLength) });
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('timeout', () => {
      if (this.inFlight === 0) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.updateFlow());
    socket.on('error', () => {}); // 'close' follows; a reset peer is not the server's error
    socket.on('close', () => {
      this.abort.abort();
      this.settleIdle();
    });
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  private onData(chunk: Buffer): void {
    try {
      for (const event of this.reader.push(chunk)) {
        if (event.type === 'frame') this.serve(event.header, event.body);
      }
    } catch (err) {
      // A bad len: the stream cannot be resynchronised. Only this connection ends.
      this.options.logger.warn({ remote: this.remoteAddress, err: (err as Error).message }, 'framing error, closing');
      this.socket.destroy();
    }
  }

  private serve(header: FrameHeader, body: Buffer): void {
    this.inFlight++;
    this.updateFlow();
    void this.reply(header, body).finally(() => {
      this.inFlight--;
      this.updateFlow();
      this.settleIdle();
    });
  }

  private async reply(header: FrameHeader, body: Buffer): Promise<void> {
    let reply: FrameReply;
    const handler = this.options.handlers.get(header.cmd) ?? this.options.fallback;
    try {
      if (handler === undefined) throw new ResultError(ResultCode.UNKNOWN_CMD, `no handler for cmd ${header.cmd}`);
      reply = await handler({ header, body, remoteAddress: this.remoteAddress, signal: this.abort.signal });
    } catch (err) {
      if (err instanceof ResultError) {
        reply = { ret: err.code };
      } else {
        this.options.logger.error(
          { err, cmd: header.cmd, seq: header.seq, remote: this.remoteAddress },
          'request failed',
        );
        reply = { ret: ResultCode.INTERNAL };
      }
    }
    if (this.socket.destroyed) return;
    this.socket.write(
      encodeFrame({ cmd: header.cmd, id: header.id, seq: header.seq, ret: reply.ret ?? 0 }, reply.body),
    );
  }

  /** Reads while the connection's work and unread replies are under their bounds. */
  private updateFlow(): void {
    if (this.socket.destroyed) return;
    const full =
      this.draining ||
      this.inFlight >= this.options.maxInFlightPerConnection ||
      this.socket.writableLength >= this.options.maxUnreadReplyBytes;
    if (full && !this.socket.isPaused()) this.socket.pause();
    else if (!full && this.socket.isPaused()) this.socket.resume();
  }

  private settleIdle(): void {
    if (this.inFlight > 0 && !this.socket.destroyed) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Graceful end: reads nothing more, lets the requests already received finish and their replies
   * go out, then ends the connection. Requests still in the socket's unread bytes are not accepted.
   */
  async drain(): Promise<void> {
    this.draining = true;
    this.updateFlow();
    if (this.inFlight > 0 && !this.socket.destroyed) await new Promise<void>((wake) => this.idleWaiters.push(wake));
    if (this.socket.destroyed) return;
    // Half-close so the last replies are delivered, then wait for the client's close (briefly).
    this.socket.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, END_GRACE_MS);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}
