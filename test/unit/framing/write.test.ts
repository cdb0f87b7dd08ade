/**
 * writeWithBackpressure (libs/framing/src/write.ts) over a real loopback socket pair: `writer`
 * writes, `peer` (the accepted end) reads, or is paused so that the kernel buffers fill up.
 */
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrameError, writeWithBackpressure } from '@pic-storage/framing';
import { socketPair, type SocketPair } from '../../helpers/socket-pair.js';

/** Far more than loopback send + receive buffers hold (a few MB here), so a paused peer blocks the writer. */
const BIG = 32 * 1024 * 1024;

let pair: SocketPair;
let writer: Socket;
let peer: Socket;

beforeEach(async () => {
  pair = await socketPair();
  ({ writer, peer } = pair);
  peer.pause(); // reads nothing until a test resumes it
});

afterEach(() => pair.close());

/** What the promise did so far, without waiting for it. */
function track(promise: Promise<void>): { state: () => 'pending' | 'resolved' | 'rejected'; error: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let error: unknown;
  promise.then(
    () => (state = 'resolved'),
    (err: unknown) => {
      state = 'rejected';
      error = err;
    },
  );
  return { state: () => state, error: () => error };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads from the peer until `n` bytes came in; resolves with their count and a checksum. */
function readAll(socket: Socket, n: number): Promise<{ bytes: number; sum: number }> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let sum = 0;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i += 4096) sum = (sum + (chunk[i] ?? 0)) % 1_000_000_007;
      if (bytes >= n) resolve({ bytes, sum });
    });
    socket.once('close', () => reject(new Error(`peer closed after ${bytes} of ${n} bytes`)));
    socket.resume();
  });
}

const listeners = (socket: Socket): [number, number] => [socket.listenerCount('drain'), socket.listenerCount('close')];

describe('writeWithBackpressure', () => {
  it('resolves at once (next microtask, no I/O) when the socket takes the write', async () => {
    const data = Buffer.from('a small frame');
    const before = listeners(writer);
    const write = track(writeWithBackpressure(writer, data, 1000));
    await null;
    expect(write.state()).toBe('resolved');
    expect(listeners(writer)).toEqual(before); // no drain or close listener was left behind
    const got = await new Promise<Buffer>((resolve) => {
      peer.once('data', resolve);
      peer.resume();
    });
    expect(got.toString()).toBe('a small frame');
  });

  it('waits for drain while the peer reads nothing, and resolves once it reads', async () => {
    const data = Buffer.alloc(BIG, 0x5a);
    const before = listeners(writer);
    let drained = false;
    writer.once('drain', () => (drained = true));
    const write = track(writeWithBackpressure(writer, data, 10_000));
    await sleep(300);
    expect(write.state()).toBe('pending');
    expect(drained).toBe(false);
    expect(writer.writableLength).toBeGreaterThan(0);
    expect(peer.bytesRead).toBeLessThan(BIG);

    const reading = readAll(peer, BIG);
    await expect.poll(() => write.state(), { timeout: 10_000 }).toBe('resolved');
    expect(drained).toBe(true);
    expect(listeners(writer)).toEqual(before); // its own listeners are gone
    const { bytes } = await reading;
    expect(bytes).toBe(BIG);
  });

  it('rejects with FrameError "timeout" when the peer reads nothing within timeoutMs', async () => {
    const before = listeners(writer);
    const started = Date.now();
    const error = await writeWithBackpressure(writer, Buffer.alloc(BIG), 150).then(
      () => expect.fail('the write resolved though the peer reads nothing'),
      (err: unknown) => err,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(error).toBeInstanceOf(FrameError);
    expect((error as FrameError).reason).toBe('timeout');
    expect((error as FrameError).message).toBe('peer took no data for 150 ms');
    expect(listeners(writer)).toEqual(before);
    expect(writer.destroyed).toBe(false); // the caller decides what to do with the socket
  });

  it('without a timeout it keeps waiting', async () => {
    const write = track(writeWithBackpressure(writer, Buffer.alloc(BIG)));
    await sleep(400);
    expect(write.state()).toBe('pending');
    writer.destroy();
    await expect.poll(() => write.state()).toBe('rejected');
  });

  it('rejects with FrameError "closed" when the socket is destroyed while waiting', async () => {
    const before = listeners(writer);
    const write = track(writeWithBackpressure(writer, Buffer.alloc(BIG), 10_000));
    await sleep(100);
    expect(write.state()).toBe('pending');
    writer.destroy();
    await expect.poll(() => write.state()).toBe('rejected');
    expect(write.error()).toBeInstanceOf(FrameError);
    expect((write.error() as FrameError).reason).toBe('closed');
    expect((write.error() as FrameError).message).toBe('socket closed before the write drained');
    expect(listeners(writer)).toEqual(before);
  });

  it('rejects with FrameError "closed" when the peer goes away while waiting', async () => {
    const write = track(writeWithBackpressure(writer, Buffer.alloc(BIG), 10_000));
    await sleep(100);
    expect(write.state()).toBe('pending');
    peer.destroy(); // unread data in its buffer: the kernel resets the connection
    await expect.poll(() => write.state(), { timeout: 5000 }).toBe('rejected');
    expect((write.error() as FrameError).reason).toBe('closed');
  });

  it('rejects with FrameError "closed" at once when the socket is already destroyed, writing nothing', async () => {
    writer.destroy();
    const error = await writeWithBackpressure(writer, Buffer.from('late'), 1000).then(
      () => expect.fail('the write resolved on a destroyed socket'),
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(FrameError);
    expect((error as FrameError).reason).toBe('closed');
    expect((error as FrameError).message).toBe('socket closed before the write');
    expect(writer.bytesWritten).toBe(0);
  });
});
