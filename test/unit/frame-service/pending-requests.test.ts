/** The FrameClient's table of requests awaiting responses: seq allocation, and each request settled once. */
import { describe, expect, it, vi } from 'vitest';
import { Socket } from 'node:net';
import { FrameClientError } from '@pic-storage/frame-service';
import { PendingRequests, type PendingRequest } from '../../../libs/frame-service/src/pending-requests.js';
import { ClientConnection } from '../../../libs/frame-service/src/client-connection.js';

function request(table: PendingRequests, seq: number, conn?: ClientConnection) {
  const resolve = vi.fn();
  const reject = vi.fn();
  const entry: PendingRequest = { seq, cmd: 1, conn, resolve, reject, timer: setTimeout(() => {}, 60_000) };
  table.add(entry);
  return entry;
}

describe('PendingRequests', () => {
  it('seqs count from 1 and skip those in flight', () => {
    const table = new PendingRequests();
    expect(table.takeSeq(undefined)).toBe(1);
    request(table, 2);
    request(table, 3);
    expect(table.takeSeq(undefined)).toBe(4);
    expect(table.takeSeq(undefined)).toBe(5);
    table.reject(table.get(2) as PendingRequest, new FrameClientError('closed', 'x', true));
    table.reject(table.get(3) as PendingRequest, new FrameClientError('closed', 'x', true));
  });

  it('seqs wrap after 2^32-1 to 1 (never 0), skipping in flight and late ones', () => {
    const table = new PendingRequests();
    (table as unknown as { nextSeq: number }).nextSeq = 0xfffffffe;
    const conn = new ClientConnection(new Socket(), 1024, 4);
    conn.addLate(1);
    request(table, 2);
    expect(table.takeSeq(conn)).toBe(0xfffffffe);
    expect(table.takeSeq(conn)).toBe(0xffffffff);
    expect(table.takeSeq(conn)).toBe(3);
    table.reject(table.get(2) as PendingRequest, new FrameClientError('closed', 'x', true));
  });

  it('settles a request once, whichever comes first', () => {
    const table = new PendingRequests();
    const entry = request(table, 9);
    expect(table.has(entry)).toBe(true);
    table.resolve(entry, { header: { len: 18, cmd: 1, id: 0, seq: 9, ret: 0 }, ret: 0, body: Buffer.alloc(0) });
    table.reject(entry, new FrameClientError('timeout', 'late', true));
    expect(entry.resolve).toHaveBeenCalledTimes(1);
    expect(entry.reject).not.toHaveBeenCalled();
    expect([table.has(entry), table.size]).toEqual([false, 0]);
  });

  it('lists the requests of one connection', () => {
    const table = new PendingRequests();
    const a = new ClientConnection(new Socket(), 1024, 4);
    const b = new ClientConnection(new Socket(), 1024, 4);
    const entries = [request(table, 1, a), request(table, 2, b), request(table, 3, a), request(table, 4)];
    expect(table.list(a).map((entry) => entry.seq)).toEqual([1, 3]);
    expect(table.list().length).toBe(4);
    for (const entry of entries) table.reject(entry, new FrameClientError('closed', 'x', true));
  });
});

describe('ClientConnection late seqs', () => {
  it('keeps at most maxLate, forgetting the oldest', () => {
    const conn = new ClientConnection(new Socket(), 1024, 2);
    conn.addLate(1);
    conn.addLate(2);
    conn.addLate(3);
    expect([conn.isLate(1), conn.isLate(2), conn.isLate(3)]).toEqual([false, true, true]);
    expect(conn.takeLate(2)).toBe(true);
    expect(conn.takeLate(2)).toBe(false);
  });
});
