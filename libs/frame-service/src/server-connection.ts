import type { Socket } from 'node:net';
import { FrameScanner, decodeHeader, HEADER_SIZE } from '@pic-storage/frame-protocol';
import { FrameBatch } from './frame-batch.js';
import type { FrameOrigin } from './handler.js';
import { refusalFrame, replyFrame, type ReplyContext } from './reply-frame.js';
import type { ResolvedFrameServerOptions } from './server-options.js';
import type { FrameServerStats } from './server-stats.js';

/**
 * Requests started back-to-back from bytes already received before the connection lets the
 * others run (setImmediate): a client pipelining cheap requests must not keep the event loop.
 */
export const YIELD_EVERY = 16;
/** How long a client may keep a connection open after the server ended it (stop, framing error). */
const END_GRACE_MS = 1_000;

/**
 * One client connection of a FrameServer. Frames come out of one FrameScanner; each request is
 * served on its own (by its cmd's handler, or the forwarder as bytes) and its reply written when
 * ready (so out of order, matched by seq), with the other replies of that turn. Requests
 * are started while fewer than maxInFlightPerConnection run and fewer than maxUnreadReplyBytes of
 * replies wait unread; otherwise the frames already received wait and the socket is not read
 * (TCP pushes back on the client), which bounds one connection's work and memory.
 *
 * A framing error (len out of bounds) and a graceful stop end the connection the same way: no
 * further frame is started, the requests already started finish and their replies are written,
 * then the connection is ended. The idle timeout applies only when nothing is in flight.
 */
export class ServerConnection implements FrameOrigin {
  /** The frames received; the replies of this turn, written together. */
  private readonly scanner: FrameScanner;
  private readonly batch: FrameBatch;
  private readonly abort = new AbortController();
  /** The scanner holds a frame taken when the streak was full: the first started after the yield. */
  private held = false;
  /** Inside pump(): an answer given meanwhile (a forwarder's refusal) must not start frames itself. */
  private pumping = false;
  private inFlight = 0;
  /** Requests started since the connection last waited for bytes or yielded its turn. */
  private streak = 0;
  private yielding = false;
  private state: 'open' | 'ending' | 'ended' = 'open';
  private readonly settledWaiters: (() => void)[] = [];
  /** What every request of this connection is served with: the same for all of them. */
  private readonly context: ReplyContext;
  /** Resolves once the socket has closed and the handlers' signal is aborted. */
  readonly whenClosed: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly options: ResolvedFrameServerOptions,
    private readonly stats: FrameServerStats,
  ) {
    this.scanner = new FrameScanner(options.maxFrameLength);
    this.batch = new FrameBatch(socket, this.onFlushed);
    this.context = {
      remoteAddress: socket.remoteAddress ?? '',
      signal: this.abort.signal,
      maxFrameLength: options.maxFrameLength,
      logger: options.logger,
    };
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('timeout', () => this.onIdle());
    socket.on('data', (chunk: Buffer) => {
      if (this.state !== 'open') return; // ending: bytes after the last accepted frame are dropped
      this.scanner.push(chunk);
      this.pump();
    });
    socket.on('error', () => {}); // 'close' follows; a reset peer is not the server's error
    this.whenClosed = new Promise((resolve) =>
      socket.on('close', () => {
        this.state = 'ended';
        this.abort.abort();
        this.wakeSettled();
        resolve();
      }),
    );
  }

  get remoteAddress(): string {
    return this.context.remoteAddress;
  }

  /** FrameOrigin: the connection closed (or was cut off by a stop): answers to it are dropped. */
  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * Starts the frames received, as far as the bounds allow, then reads on or not. The connection
   * yields its turn only when a frame past the streak is really there: a client whose pipeline is
   * exactly YIELD_EVERY deep must not pay a turn and a pause of its socket for every batch.
   */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.startReceived();
    } finally {
      this.pumping = false;
    }
    this.updateReading();
  }

  private startReceived(): void {
    while (this.state === 'open' && !this.yielding && this.hasRoom()) {
      if (!this.held && !this.nextFrame()) {
        this.streak = 0; // waiting for bytes is a turn of the event loop
        break;
      }
      this.held = false;
      if (this.streak >= YIELD_EVERY) {
        this.held = true;
        this.yielding = true;
        setImmediate(this.resumeTurn);
        break;
      }
      this.streak++;
      this.start(this.scanner.buf, this.scanner.at, this.scanner.length);
    }
  }

  private readonly resumeTurn = (): void => {
    this.yielding = false;
    this.streak = 0;
    this.pump();
  };

  private hasRoom(): boolean {
    return (
      this.inFlight < this.options.maxInFlightPerConnection &&
      this.socket.writableLength + this.batch.length < this.options.maxUnreadReplyBytes
    );
  }

  /** Moves the scanner to the next complete frame received; false when none is (or on a framing error). */
  private nextFrame(): boolean {
    try {
      return this.scanner.next();
    } catch (err) {
      this.onFramingError(err as Error);
      return false;
    }
  }

  /** Reads while nothing received waits to be started: at most one chunk is held unframed. */
  private updateReading(): void {
    if (this.socket.destroyed || this.state === 'ended') return;
    // Ending: not read until the last reply is out, so a client's FIN cannot end the socket before it.
    const hold = this.state === 'open' ? this.hasUnstarted() || !this.hasRoom() : this.inFlight > 0;
    if (hold && !this.socket.isPaused()) this.socket.pause();
    else if (!hold && this.socket.isPaused()) this.socket.resume();
  }

  /** Serves the request frame at buf[at, at + length): its handler's, or else the forwarder's. */
  private start(buf: Buffer, at: number, length: number): void {
    this.inFlight++;
    this.stats.inFlight++;
    const cmd = buf.readUInt16LE(at + 4);
    const handler = this.options.handlers.get(cmd);
    const { forwarder } = this.options;
    if (handler === undefined && forwarder !== undefined) {
      try {
        forwarder.forward(this, buf, at, length);
      } catch (err) {
        // A forwarder must not throw; one that does is answered as a handler that throws is.
        this.refuse(cmd, buf.readUInt32LE(at + 6), buf.readUInt32LE(at + 10), err);
      }
      return;
    }
    const body = buf.subarray(at + HEADER_SIZE, at + length);
    replyFrame(handler, decodeHeader(buf, at), body, this.context, this.finish);
  }

  /** FrameOrigin: a forwarded request's answer. */
  answer(seq: number, id: number, buf: Buffer, at: number, length: number): void {
    if (!this.socket.destroyed) this.batch.copy(buf, at, length, seq, id);
    this.settled();
  }

  /** FrameOrigin: a forwarded request refused. */
  refuse(cmd: number, id: number, seq: number, err: unknown): void {
    this.finish(refusalFrame({ cmd, id, seq }, err, this.context));
  }

  private readonly finish = (frame: Buffer): void => {
    if (!this.socket.destroyed) this.batch.push(frame);
    this.settled();
  };

  /** A request's reply is queued (or dropped with its connection): the next ones may start. */
  private settled(): void {
    this.inFlight--;
    this.stats.inFlight--;
    this.stats.served++;
    if (this.inFlight === 0) {
      this.socket.setTimeout(this.options.idleTimeoutMs); // idle from now, not from the last byte
      this.wakeSettled();
    }
    this.pump();
  }

  /**
   * A reply reached the kernel: the unread bytes may be under their bound again. ('drain' would
   * not do: it comes only after a write over the socket's high-water mark, which a bound below it
   * never needs.)
   */
  private readonly onFlushed = (): void => {
    if (this.socket.isPaused() || this.hasUnstarted()) this.pump();
  };

  /** Bytes received that no request has been started from: a held frame, a chunk being framed, or chunks waiting. */
  private hasUnstarted(): boolean {
    return this.held || this.scanner.unread;
  }

  private onIdle(): void {
    if (this.inFlight > 0 || this.state === 'ended') return; // re-armed when the last one finishes
    this.stats.idleClosed++;
    this.options.logger.info({ remote: this.remoteAddress, idleTimeoutMs: this.options.idleTimeoutMs }, 'idle, closed');
    this.socket.destroy();
  }

  private onFramingError(err: Error): void {
    // A bad len: the stream cannot be resynchronised. Only this connection ends.
    this.stats.framingErrors++;
    this.options.logger.warn({ remote: this.remoteAddress, reason: err.message }, 'framing error, closing');
    void this.end();
  }

  private wakeSettled(): void {
    if (this.inFlight > 0 && this.state !== 'ended') return;
    for (const wake of this.settledWaiters.splice(0)) wake();
  }

  /**
   * Graceful end: starts no further frame (those received and not started are dropped), lets the
   * requests already started finish and their replies go out, then ends the connection and waits
   * briefly for the client to close its side.
   */
  async end(): Promise<void> {
    if (this.state === 'open') {
      this.state = 'ending';
      this.scanner.clear();
      this.held = false;
      this.updateReading();
    }
    if (this.inFlight > 0 && this.state !== 'ended') await new Promise<void>((wake) => this.settledWaiters.push(wake));
    if (this.state === 'ended') return;
    // Read on (dropping the bytes) so the client's FIN is seen and 'close' comes without the grace.
    this.socket.resume();
    this.batch.flush(); // the last replies, queued for the end of this turn, go before the FIN
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), END_GRACE_MS);
    await this.whenClosed;
    clearTimeout(timer);
  }

  /** Ends the connection now: the handlers still running are told (their signal is aborted). */
  destroy(): void {
    this.abort.abort();
    this.socket.destroy();
  }
}
