import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type FrameEvent, FrameReader } from '@pic-storage/framing';
import { FRAME_FORMAT, HEADER_SIZE, type Header } from 'fastdfs-protocol';
import { ReadError } from './read-error.js';
import { RequestBody } from './request-body.js';
import { SocketFlow } from './socket-flow.js';

export interface Incoming {
  header: Header;
  body: RequestBody;
}

/**
 * Requests served back-to-back from bytes already here before the connection lets the others
 * run: without a wait for I/O, a pipelining client would keep the event loop to itself.
 */
export const YIELD_EVERY = 16;

/**
 * The requests of one connection, one at a time: socket chunks go through one FrameReader,
 * the body chunks of the request in flight into its RequestBody. Frames after it (pipelined)
 * stay unparsed until the loop asks for the next request, so a bad header is met in order.
 * Every body length passes the reader: its bound is the handler's business (EINVAL, ENOSPC).
 */
export class RequestSource {
  private readonly frames = new FrameReader(FRAME_FORMAT, { maxBody: Number.MAX_SAFE_INTEGER, streamBody: () => true });
  private readonly flow: SocketFlow;
  /** Socket chunks not yet pushed to the reader, and the events of the one being parsed. */
  private readonly unparsed: Buffer[] = [];
  private events: Iterator<FrameEvent<Header>> | null = null;
  /** The body being received (between its head and end events), and a request the loop has not taken. */
  private receiving: RequestBody | null = null;
  private ready: Incoming | null = null;
  private wanted = false;
  private broken: { err: unknown } | null = null;
  private gone = false;
  private discarding = false;
  private notify: (() => void) | null = null;
  /** Requests handed out since the loop last waited for bytes or yielded its turn. */
  private streak = 0;
  private idleFrom: number | null = null;

  constructor(
    socket: Socket,
    private readonly networkTimeoutMs: number,
    private readonly idleTimeoutMs: number,
    /** Called after a read that leaves a request incomplete (the server waits for more of it). */
    private readonly onPartialRead?: (socket: Socket) => void,
  ) {
    this.flow = new SocketFlow(socket);
    socket.on('data', (chunk: Buffer) => {
      if (this.discarding) return;
      this.unparsed.push(chunk);
      this.flow.received(chunk.length);
      this.idleFrom = null;
      this.pump();
      // The rest of a request is awaited: ACK now (TCP_QUICKACK), or a client that sends a request
      // in two writes with Nagle on waits out the delayed ACK. A complete request needs no such
      // call: its reply carries the ACK (and a setsockopt per read cost ~8% of a small download).
      if (this.onPartialRead !== undefined && this.holdsPartialRequest()) this.onPartialRead(socket);
      this.notify?.();
      this.flow.settle();
    });
    const onGone = (): void => {
      this.gone = true;
      this.receiving?.close();
      this.notify?.();
    };
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone); // also keeps an 'error' from going unhandled
  }

  /**
   * The next request, once its header is in; null when the peer closed first. Between requests
   * the idle timeout applies; once a header has started, network_timeout.
   */
  async next(): Promise<Incoming | null> {
    this.wanted = true;
    this.pump();
    this.flow.settle();
    for (;;) {
      if (this.ready !== null) {
        const incoming = this.ready;
        this.ready = null;
        this.idleFrom = null;
        this.streak += 1;
        return incoming;
      }
      if (this.broken !== null) throw this.broken.err;
      if (this.gone) return null;
      this.streak = 0;
      const idle = this.flow.buffered === 0;
      this.idleFrom = idle ? (this.idleFrom ?? Date.now()) : null;
      await this.bytes(idle ? 'idle-timeout' : 'network-timeout');
    }
  }

  /**
   * After YIELD_EVERY requests taken back-to-back from bytes already buffered, waits one turn of
   * the event loop (setImmediate), so that other connections' I/O is served in between.
   */
  async yieldTurn(): Promise<void> {
    if (this.streak < YIELD_EVERY) return;
    this.streak = 0;
    await nextTurn();
  }

  /** Since when the connection waits for its next request with no byte of it here; null when it does not. */
  get idleSince(): number | null {
    return this.idleFrom;
  }

  /** Bytes received and not yet consumed by a handler (pipelined requests included). */
  get buffered(): number {
    return this.flow.buffered;
  }

  /** Bytes of a request not yet complete are held: a body being received, a partial frame, or unparsed input. */
  private holdsPartialRequest(): boolean {
    return this.receiving !== null || !this.frames.idle || this.unparsed.length > 0;
  }

  /** From now on incoming bytes are dropped: used while a connection lingers before closing. */
  discardAll(): void {
    this.discarding = true;
    this.unparsed.length = 0;
    this.events = null;
    this.receiving = null;
    this.ready = null;
    this.wanted = false;
    this.flow.dropAll();
  }

  /** Parses while someone takes the events: the loop wants a header, or a body is being received. */
  private pump(): void {
    while (this.wanted || this.receiving !== null) {
      const event = this.pull();
      if (event === undefined) return;
      if (event.type === 'head') {
        this.flow.parsedHeader(HEADER_SIZE);
        const body = new RequestBody(event.header.cmd, event.bodyLength, this.flow, this.networkTimeoutMs);
        if (this.gone) body.close();
        this.ready = { header: event.header, body };
        this.receiving = body;
        this.wanted = false;
      } else if (event.type === 'chunk' && this.receiving !== null) {
        this.flow.parsedBody(event.chunk.length);
        this.receiving.feed(event.chunk);
      } else if (event.type === 'end') {
        this.receiving = null; // the next frame waits until the loop asks for it
      }
    }
  }

  private pull(): FrameEvent<Header> | undefined {
    while (this.broken === null) {
      if (this.events === null) {
        const chunk = this.unparsed.shift();
        if (chunk === undefined) return undefined;
        this.events = this.frames.push(chunk);
      }
      try {
        const next = this.events.next();
        if (next.done !== true) return next.value;
        this.events = null;
      } catch (err) {
        this.broken = { err }; // a header that cannot be decoded: the stream cannot go on
      }
    }
    return undefined;
  }

  /** Waits for more bytes (or the peer's close); a silence of the timeout's length fails. */
  private bytes(reason: 'idle-timeout' | 'network-timeout'): Promise<void> {
    this.flow.starving();
    const timeoutMs = reason === 'idle-timeout' ? this.idleTimeoutMs : this.networkTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.notify = null;
        this.flow.fed();
        reject(new ReadError(reason));
      }, timeoutMs);
      this.notify = () => {
        clearTimeout(timer);
        this.notify = null;
        this.flow.fed();
        resolve();
      };
    });
  }
}
