/**
 * A fuzzer of framed services (docs/frame-protocol.md): sends random and mutated frames over
 * several connections, reconnecting whenever the server closes one, and counts what happened.
 * Seeded, so a failing run can be replayed.
 *
 * Kinds of frame, by weight:
 *   valid      a header for one of `cmds` with a random body (empty, random bytes, or one of the
 *              `samples` for that cmd with bytes flipped, cut short or extended, its count changed)
 *   unknown    a well-formed frame with a cmd outside `cmds`
 *   lying      a header whose len is off by a little from its body: the frames after it are read
 *              out of step, as body or as headers
 *   huge       len over maxFrameLength (up to 2^32-1): the server must close the connection, and
 *              when the connection was still in step (no lying, garbage or truncated frame sent on
 *              it yet) the fuzzer waits for that close (`notClosed` counts the times it did not come)
 *   tiny       len 0..17: likewise
 *   garbage    1..256 random bytes
 *   truncated  the first part of a frame, then this side closes the connection
 *
 * Used by test/integration/frame-service/fuzz.test.ts and, transpiled as is, by bench/frame-fuzz.mjs:
 * it imports nothing but node builtins, @pic-storage/framing and @pic-storage/frame-protocol (no
 * relative path, no vitest).
 */
import { connect, type Socket } from 'node:net';
import { FrameReader } from '@pic-storage/framing';
import { FRAME_FORMAT, HEADER_SIZE, encodeFrame, maxBodyFor, type FrameHeader } from '@pic-storage/frame-protocol';

export interface FuzzAddress {
  host: string;
  port: number;
}

export interface FuzzOptions {
  /** Frames to send in all. */
  frames: number;
  seed: number;
  /** The cmds the service serves: valid frames carry these. */
  cmds: readonly number[];
  /** Well-formed bodies per cmd, mutated into near-valid ones (default: random bodies only). */
  samples?: ReadonlyMap<number, readonly Buffer[]>;
  /** Connections at once; default 4. */
  connections?: number;
  /** The server's maxFrameLength; default 1 MiB. */
  maxFrameLength?: number;
  /** A connection that takes no bytes for this long is given up (counted in `stalls`); default 10 s. */
  stallTimeoutMs?: number;
  /** Called every 10,000 frames sent. */
  onProgress?: (report: FuzzReport) => void;
}

export interface FuzzReport {
  /** Frames (or fragments) written. */
  sent: number;
  /** Connections the server closed. */
  closedByServer: number;
  /** Response frames received. */
  responses: number;
  /** Connections made. */
  connects: number;
  /** Responses that could not be framed (a server bug). */
  badResponses: number;
  /** Connections given up because the server took no bytes for stallTimeoutMs. */
  stalls: number;
  /**
   * Bad lens (huge, tiny) sent on a connection still in step after which the server did not close
   * it within stallTimeoutMs: a breach of the framing rule.
   */
  notClosed: number;
}

type Kind = 'valid' | 'unknown' | 'lying' | 'huge' | 'tiny' | 'garbage' | 'truncated';
// Weighted so that a connection lives for a dozen frames or so: each bad len ends one.
const KINDS: [Kind, number][] = [
  ['valid', 80],
  ['unknown', 8],
  ['lying', 3],
  ['huge', 1],
  ['tiny', 1],
  ['garbage', 4],
  ['truncated', 1],
];
/** Frames a connection writes between two turns of the event loop. */
const YIELD_EVERY = 8;
const TOTAL_WEIGHT = KINDS.reduce((sum, [, weight]) => sum + weight, 0);

/** mulberry32: a small seeded generator, good enough for fuzzing. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class FrameMaker {
  private readonly next: () => number;
  private seq = 0;

  constructor(
    seed: number,
    private readonly options: FuzzOptions,
  ) {
    this.next = random(seed);
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  private bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }

  kind(): Kind {
    let roll = this.int(TOTAL_WEIGHT);
    for (const [kind, weight] of KINDS) {
      if (roll < weight) return kind;
      roll -= weight;
    }
    return 'valid';
  }

  /** The bytes of one frame of `kind`. */
  frame(kind: Kind): Buffer {
    const seq = (this.seq = (this.seq + 1) >>> 0);
    const id = this.int(2) === 0 ? 0 : this.int(0x100000000);
    const cmd = kind === 'unknown' ? this.unknownCmd() : this.pick(this.options.cmds);
    const max = this.options.maxFrameLength ?? 1024 * 1024;
    switch (kind) {
      case 'valid':
      case 'unknown':
        return encodeFrame({ cmd, id, seq }, this.body(cmd));
      case 'lying': {
        const frame = encodeFrame({ cmd, id, seq }, this.body(cmd));
        const len = Math.max(HEADER_SIZE, Math.min(max, frame.length + this.int(200) - 100));
        frame.writeUInt32LE(len, 0);
        return frame;
      }
      case 'huge':
      case 'tiny': {
        const frame = encodeFrame({ cmd, id, seq }, this.bytes(this.int(64)));
        const len = kind === 'tiny' ? this.int(HEADER_SIZE) : max + 1 + this.int(0x100000000 - max - 1);
        frame.writeUInt32LE(len, 0);
        return frame;
      }
      case 'garbage':
        return this.bytes(1 + this.int(256));
      case 'truncated': {
        const frame = encodeFrame({ cmd, id, seq }, this.body(cmd));
        return frame.subarray(0, this.int(frame.length));
      }
    }
  }

  private unknownCmd(): number {
    for (;;) {
      const cmd = this.int(0x10000);
      if (!this.options.cmds.includes(cmd)) return cmd;
    }
  }

  private body(cmd: number): Buffer {
    const samples = this.options.samples?.get(cmd) ?? [];
    const roll = this.int(10);
    if (roll === 0) return Buffer.alloc(0);
    if (roll < 4 || samples.length === 0) return this.bytes(this.int(400));
    return this.mutate(this.pick(samples));
  }

  /** A sample, as is or with a few bytes flipped, cut short, extended, or its leading count changed. */
  private mutate(sample: Buffer): Buffer {
    const body = Buffer.from(sample);
    switch (this.int(5)) {
      case 0:
        return body;
      case 1:
        for (let n = 1 + this.int(4); n > 0 && body.length > 0; n--) body[this.int(body.length)] = this.int(256);
        return body;
      case 2:
        return body.subarray(0, this.int(body.length));
      case 3:
        return Buffer.concat([body, this.bytes(1 + this.int(80))]);
      default:
        if (body.length >= 4) body.writeUInt32LE(this.pick([0, 1, 2, 4097, 0xffffffff, this.int(100)]), 0);
        return body;
    }
  }
}

/** One fuzzing connection: writes with backpressure, counts the responses and who closed it. */
class FuzzConnection {
  private readonly reader: FrameReader<FrameHeader>;
  private closing = false;
  readonly closed: Promise<'server' | 'client'>;

  private constructor(
    private readonly socket: Socket,
    maxFrameLength: number,
    report: FuzzReport,
  ) {
    this.reader = new FrameReader(FRAME_FORMAT, { maxBody: maxBodyFor(maxFrameLength) });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const event of this.reader.push(chunk)) if (event.type === 'frame') report.responses++;
      } catch {
        report.badResponses++;
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve(this.closing ? 'client' : 'server')));
  }

  static open(address: FuzzAddress, maxFrameLength: number, report: FuzzReport): Promise<FuzzConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.host, port: address.port, noDelay: true });
      const timer = setTimeout(() => socket.destroy(new Error('connect timed out')), 10_000);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        report.connects++;
        resolve(new FuzzConnection(socket, maxFrameLength, report));
      });
    });
  }

  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** Resolves true once the server has closed the connection, false after `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.closed.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return closed;
  }

  /** Writes; resolves once the socket can take more ('ok'), the server closed it, or it stalled. */
  async write(bytes: Buffer, stallTimeoutMs: number): Promise<'ok' | 'closed' | 'stalled'> {
    if (!this.open) return 'closed';
    if (this.socket.write(bytes)) return 'ok';
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      new Promise<'ok'>((resolve) => this.socket.once('drain', () => resolve('ok'))),
      this.closed.then(() => 'closed' as const),
      new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), stallTimeoutMs))),
    ]);
    clearTimeout(timer);
    return outcome;
  }

  /** Ends this side; waits briefly for the server's last responses and close. */
  async end(graceMs = 1_000): Promise<'server' | 'client'> {
    if (!this.closing && this.socket.destroyed) return this.closed;
    this.closing = true;
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), graceMs);
    const who = await this.closed;
    clearTimeout(timer);
    return who;
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }
}

/** Runs the fuzz; resolves with what happened once every frame is sent and every connection closed. */
export async function fuzzFrames(address: FuzzAddress, options: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = {
    sent: 0,
    closedByServer: 0,
    responses: 0,
    connects: 0,
    badResponses: 0,
    stalls: 0,
    notClosed: 0,
  };
  const maxFrameLength = options.maxFrameLength ?? 1024 * 1024;
  const stallTimeoutMs = options.stallTimeoutMs ?? 10_000;
  let left = options.frames;
  const worker = async (index: number): Promise<void> => {
    const maker = new FrameMaker(options.seed * 131 + index, options);
    let conn: FuzzConnection | undefined;
    /** Every frame sent on `conn` was framed as sent: the server reads it in step. */
    let inStep = true;
    for (let written = 1; left > 0; written++) {
      left--; // taken before any wait, so that the workers send `frames` in all
      // Writes that the kernel takes at once never wait: let the event loop see the server's
      // responses and closes (and, in one process, let the server run).
      if (written % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      if (conn === undefined) {
        conn = await FuzzConnection.open(address, maxFrameLength, report);
        inStep = true;
      }
      const kind = maker.kind();
      const outcome = await conn.write(maker.frame(kind), stallTimeoutMs);
      report.sent++;
      if (report.sent % 10_000 === 0) options.onProgress?.({ ...report });
      if (outcome === 'stalled') {
        report.stalls++;
        conn.destroy();
      } else if (kind === 'truncated' && outcome === 'ok') {
        if ((await conn.end()) === 'server') report.closedByServer++;
      } else if ((kind === 'huge' || kind === 'tiny') && inStep) {
        if (await conn.closedWithin(stallTimeoutMs)) report.closedByServer++;
        else report.notClosed++;
        conn.destroy();
      } else if (outcome === 'closed' || !conn.open) {
        report.closedByServer++;
        conn.destroy();
      } else {
        if (kind === 'lying' || kind === 'garbage') inStep = false;
        continue;
      }
      conn = undefined;
    }
    if (conn !== undefined && (await conn.end()) === 'server') report.closedByServer++;
  };
  await Promise.all(Array.from({ length: options.connections ?? 4 }, (_, i) => worker(i)));
  return report;
}

/**
 * Sends one well-formed request on a new connection and resolves with the response header's ret
 * (rejects when the connection fails, closes, or nothing comes within timeoutMs).
 */
export function probe(address: FuzzAddress, cmd: number, body?: Buffer, timeoutMs = 5_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port, noDelay: true });
    const reader = new FrameReader(FRAME_FORMAT, { maxBody: 64 * 1024 * 1024 });
    const seq = 0x5eed;
    const done = (err: Error | undefined, ret?: number): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err === undefined) resolve(ret as number);
      else reject(err);
    };
    const where = `${address.host}:${address.port}`;
    const timer = setTimeout(() => done(new Error(`no response from ${where} in ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(new Error(`${where}: ${err.message}`)));
    socket.on('close', () => done(new Error(`${where} closed the connection without a response`)));
    socket.on('connect', () => socket.write(encodeFrame({ cmd, id: 0, seq }, body)));
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const event of reader.push(chunk)) {
          if (event.type === 'frame' && event.header.seq === seq) done(undefined, event.header.ret);
        }
      } catch (err) {
        done(new Error(`${where} sent a bad frame: ${(err as Error).message}`));
      }
    });
  });
}
