/**
 * FrameBatch over a real loopback socket pair: the frames queued in one turn of the event loop go
 * out in one write, in order, the small ones copied (with seq and id rewritten when asked, the
 * source untouched), a large one as it is; more than a slab of them still in order; the flush
 * callback once per batch; nothing written to a socket already destroyed.
 */
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameScanner, encodeFrame } from '@pic-storage/frame-protocol';
import { FrameBatch } from '../../../libs/frame-service/src/frame-batch.js';
import { socketPair, type SocketPair } from '../../helpers/socket-pair.js';

let pair: SocketPair;
let writer: Socket;
let received: Buffer[];

beforeEach(async () => {
  pair = await socketPair();
  writer = pair.writer;
  received = [];
  pair.peer.on('data', (chunk: Buffer) => received.push(chunk));
});

afterEach(() => pair.close());

/** The frames the peer got, as [seq, id, body length] each, once `count` are in. */
async function framesReceived(count: number): Promise<[number, number, number][]> {
  const frames: [number, number, number][] = [];
  await vi.waitFor(() => {
    const scanner = new FrameScanner(1 << 20);
    scanner.push(Buffer.concat(received));
    frames.length = 0;
    while (scanner.next()) {
      const { buf, at, length } = scanner;
      frames.push([buf.readUInt32LE(at + 10), buf.readUInt32LE(at + 6), length - 18]);
    }
    expect(frames.length).toBe(count);
  });
  return frames;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FrameBatch', () => {
  it('sends the frames of one turn, from several callbacks, in one write; the copies get their seq and id', async () => {
    const write = vi.spyOn(writer, 'write');
    const flushed = vi.fn();
    const batch = new FrameBatch(writer, flushed);
    const source = encodeFrame({ cmd: 0x10b5, id: 1, seq: 1 }, Buffer.from('key'));
    const before = Buffer.from(source);
    batch.copy(source, 0, source.length, 70, 7);
    await Promise.resolve();
    batch.push(encodeFrame({ cmd: 0x10b5, id: 2, seq: 2 }));
    process.nextTick(() => batch.copy(Buffer.concat([Buffer.alloc(5), source]), 5, source.length, 90));
    await new Promise((resolve) => process.nextTick(resolve));
    expect(write).not.toHaveBeenCalled();
    expect(batch.length).toBe(2 * source.length + 18);
    await turn();
    expect(write).toHaveBeenCalledTimes(1);
    expect(batch.length).toBe(0);
    expect(await framesReceived(3)).toEqual([
      [70, 7, 3],
      [2, 2, 0],
      [90, 1, 3], // no id given: the source's
    ]);
    expect(source).toEqual(before);
    await vi.waitFor(() => expect(flushed).toHaveBeenCalledTimes(1));
    // The next turn is a batch of its own.
    batch.push(encodeFrame({ cmd: 1, id: 0, seq: 3 }));
    await turn();
    expect(write).toHaveBeenCalledTimes(2);
    await vi.waitFor(() => expect(flushed).toHaveBeenCalledTimes(2));
  });

  it('keeps a large frame as it is, between the small ones, in order', async () => {
    const write = vi.spyOn(writer, 'write');
    const batch = new FrameBatch(writer);
    const large = encodeFrame({ cmd: 1, id: 0, seq: 2 }, Buffer.alloc(40_000, 1));
    batch.push(encodeFrame({ cmd: 1, id: 0, seq: 1 }));
    batch.push(large);
    batch.push(encodeFrame({ cmd: 1, id: 0, seq: 3 }));
    await turn();
    expect(write.mock.calls.map(([data]) => data === large)).toEqual([false, true, false]);
    expect(await framesReceived(3)).toEqual([
      [1, 0, 0],
      [2, 0, 40_000],
      [3, 0, 0],
    ]);
  });

  it('queues more than a slab of small frames in one turn, in order', async () => {
    const batch = new FrameBatch(writer);
    const count = 1000; // 1000 x 1018 bytes: many 16 KiB slabs
    for (let seq = 1; seq <= count; seq++) batch.push(encodeFrame({ cmd: 1, id: 0, seq }, Buffer.alloc(1000, seq)));
    await turn();
    const frames = await framesReceived(count);
    expect(frames.map(([seq]) => seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it('writes nothing to a socket destroyed before the turn ended', async () => {
    const write = vi.spyOn(writer, 'write');
    const batch = new FrameBatch(writer);
    batch.push(encodeFrame({ cmd: 1, id: 0, seq: 1 }));
    writer.destroy();
    await turn();
    expect(write).not.toHaveBeenCalled();
    expect(batch.length).toBe(0);
  });
});
