/** The FrameClient's table of requests awaiting responses: seq allocation, and each request settled once. */
import { describe, expect, it, vi } from 'vitest';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { FrameClientError } from '@pic-storage/frame-service';
import { PendingRequests, type PendingRequest } from '../../../libs/frame-service/src/pending-requests.js';
import { ClientConnection } from '../../../libs/frame-service/src/client-connection.js';

function request(table: PendingRequests, seq: number, conn?: ClientConnection, timeoutMs = 60_000) {
  const settle = vi.fn();
  const deadline = performance.now() + timeoutMs;
  const entry: PendingRequest = { seq, cmd: 1, conn, settle, deadline, timeoutMs };
  table.add(entry);
  return entry;
}

/** How often the request was settled with a response, and with an error. */
function settledOf(entry: PendingRequest): { answered: number; failed: number } {
  const calls = (entry.settle as ReturnType<typeof vi.fn>).mock.calls as unknown[][];
  return {
    answered: calls.filter(([err]) => err === null).length,
    failed: calls.filter(([err]) => err !== null).length,
  };
}

const noExpiry = (): never => {
  throw new Error('no request should time out here');
};

/** A table whose expired requests are recorded (with when) and rejected, as FrameClient does. */
function expiringTable() {
  const expired: { seq: number; lateMs: number }[] = [];
  const table: PendingRequests = new PendingRequests((entry) => {
    expired.push({ seq: entry.seq, lateMs: performance.now() - entry.deadline });
    table.reject(entry, new FrameClientError('timeout', 'expired', true));
  });
  return { table, expired };
}

/** Timers this process has waiting (what keeps the event loop, and a CLI, alive). */
const timeouts = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('PendingRequests', () => {
  it('seqs count from 1 and skip those in flight', () => {
    const table = new PendingRequests(noExpiry);
    expect(table.takeSeq(undefined)).toBe(1);
    request(table, 2);
    request(table, 3);
    expect(table.takeSeq(undefined)).toBe(4);
    expect(table.takeSeq(undefined)).toBe(5);
    table.reject(table.get(2) as PendingRequest, new FrameClientError('closed', 'x', true));
    table.reject(table.get(3) as PendingRequest, new FrameClientError('closed', 'x', true));
  });

  it('seqs wrap after 2^32-1 to 1 (never 0), skipping in flight and late ones', () => {
    const table = new PendingRequests(noExpiry);
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
    const table = new PendingRequests(noExpiry);
    const entry = request(table, 9);
    expect(table.has(entry)).toBe(true);
    table.resolve(entry, { header: { len: 18, cmd: 1, id: 0, seq: 9, ret: 0 }, ret: 0, body: Buffer.alloc(0) });
    table.reject(entry, new FrameClientError('timeout', 'late', true));
    expect(settledOf(entry)).toEqual({ answered: 1, failed: 0 });
    expect([table.has(entry), table.size]).toEqual([false, 0]);
  });

  it('a callback that throws is thrown again on its own, and the request still leaves the table', async () => {
    const table = new PendingRequests(noExpiry);
    const entry: PendingRequest = {
      seq: 5,
      cmd: 1,
      conn: undefined,
      settle: () => {
        throw new Error('caller bug');
      },
      deadline: performance.now() + 60_000,
      timeoutMs: 60_000,
    };
    table.add(entry);
    const uncaught = new Promise<Error>((resolve) => process.once('uncaughtException', resolve));
    expect(() => table.reject(entry, new FrameClientError('closed', 'x', true))).not.toThrow();
    expect(table.size).toBe(0);
    expect((await uncaught).message).toBe('caller bug');
  });

  it('lists the requests of one connection', () => {
    const table = new PendingRequests(noExpiry);
    const a = new ClientConnection(new Socket(), 1024, 4);
    const b = new ClientConnection(new Socket(), 1024, 4);
    const entries = [request(table, 1, a), request(table, 2, b), request(table, 3, a), request(table, 4)];
    expect(table.list(a).map((entry) => entry.seq)).toEqual([1, 3]);
    expect(table.list().length).toBe(4);
    for (const entry of entries) table.reject(entry, new FrameClientError('closed', 'x', true));
  });
});

describe('PendingRequests timeouts (one timer for the table)', () => {
  it('expires each request at its deadline, not before, whatever order the deadlines were added in', async () => {
    const { table, expired } = expiringTable();
    const slow = request(table, 1, undefined, 150);
    const fast = request(table, 2, undefined, 30); // earlier than the timer set for the first
    const answered = request(table, 3, undefined, 60);
    table.resolve(answered, { header: { len: 18, cmd: 1, id: 0, seq: 3, ret: 0 }, ret: 0, body: Buffer.alloc(0) });
    await sleep(90);
    expect(expired.map((e) => e.seq)).toEqual([2]);
    await sleep(120);
    expect(expired.map((e) => e.seq)).toEqual([2, 1]);
    for (const e of expired) expect(e.lateMs).toBeGreaterThanOrEqual(0);
    expect(settledOf(fast)).toEqual({ answered: 0, failed: 1 });
    expect(settledOf(slow)).toEqual({ answered: 0, failed: 1 });
    expect(settledOf(answered)).toEqual({ answered: 1, failed: 0 });
    expect(table.size).toBe(0);
  });

  it('its timer never keeps the process alive, and outlives an emptied table without firing early', async () => {
    const { table, expired } = expiringTable();
    const before = timeouts();
    const first = request(table, 1, undefined, 20);
    expect(timeouts()).toBe(before); // unref'd: the request's socket is what holds the loop
    table.reject(first, new FrameClientError('closed', 'x', true));
    // The table emptied; the timer, set for 20 ms, stays, and a later request does not move it.
    const second = request(table, 2, undefined, 300);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(expired).toEqual([]); // it fired at 20 ms, found nothing due, and set itself for 300
    await vi.waitFor(() => expect(expired.map(({ seq }) => seq)).toEqual([2]), { timeout: 3_000 });
    expect(expired[0]?.lateMs).toBeGreaterThanOrEqual(0);
    expect(table.has(second)).toBe(false);
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
