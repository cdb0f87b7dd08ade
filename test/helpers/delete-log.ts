/**
 * Test helpers of del_svr and del_file_ontime: valid file ids by number, a fake cs_del_svr (cmd
 * 3030) that records every batch and fails or hangs on demand, and the entries of a log file.
 */
import { readFile } from 'node:fs/promises';
import {
  Cmd,
  ResultCode,
  decodeBatchDeleteRequest,
  encodeBatchDeleteResponse,
  encodeQueueDeletesRequest,
} from '@pic-storage/frame-protocol';
import { FrameServer, type FrameClient } from '@pic-storage/frame-service';
import { parseEntryLine, type DeleteEntry } from '@pic-storage/delete-log';

/** A valid FastDFS file id per number: `g01/M00/00/00/<27 chars naming n>0000.jpg`. */
export function fileIdOf(n: number): string {
  return `g01/M00/00/00/${`CgEBxV${n.toString(36)}`.padEnd(27, 'A')}000.jpg`;
}

export function entriesOf(from: number, count: number, hostid = 0): DeleteEntry[] {
  return Array.from({ length: count }, (_, i) => ({ hostid, fileId: fileIdOf(from + i) }));
}

/** cmd 3002 with `entries`; resolves with the ret. */
export async function queueDeletes(client: FrameClient, entries: readonly DeleteEntry[]): Promise<number> {
  const body = encodeQueueDeletesRequest(entries.map((e) => ({ hostid: e.hostid, url: e.fileId })));
  return (await client.request(Cmd.QUEUE_DELETES, body)).ret;
}

/** Every entry of a delete-log file (blank and unreadable lines skipped); none when it is missing. */
export async function readLogEntries(path: string): Promise<DeleteEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  lines.pop(); // after the last '\n': empty, or a torn line
  return lines.map(parseEntryLine).filter((e): e is DeleteEntry => e !== undefined);
}

export const keyOf = (entry: DeleteEntry): string => `${entry.hostid}\t${entry.fileId}`;

export interface FakeBatchDelete {
  readonly port: number;
  /** Every 3030 request received, in arrival order (answered or not). */
  readonly batches: DeleteEntry[][];
  /** File ids answered with this per-file code instead of 0. */
  readonly failing: Map<string, number>;
  /** While set, requests are received and recorded but not answered (until release() or stop()). */
  hang: boolean;
  /** A ret for the whole request instead of per-file results (e.g. BAD_ARGUMENT for a poison entry). */
  refuse: ((entries: DeleteEntry[]) => number | undefined) | undefined;
  /** Answers the requests held by `hang`. */
  release(): void;
  /** Resolves when `n` batches have been received. */
  waitForBatches(n: number): Promise<void>;
  stop(): Promise<void>;
}

/** A cs_del_svr as admin_proxy would relay it: 3030 only, per-file results, PARTIAL when one fails. */
export async function startFakeBatchDelete(): Promise<FakeBatchDelete> {
  const batches: DeleteEntry[][] = [];
  const failing = new Map<string, number>();
  const waiters: { n: number; resolve: () => void }[] = [];
  const hanging: (() => void)[] = [];
  const fake: Omit<FakeBatchDelete, 'port' | 'stop'> = {
    batches,
    failing,
    hang: false,
    refuse: undefined,
    release: () => {
      for (const resume of hanging.splice(0)) resume();
    },
    waitForBatches: (n) =>
      batches.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
  };
  const server = new FrameServer({
    port: 0,
    handlers: new Map([
      [
        Cmd.BATCH_DELETE,
        async ({ body, signal }) => {
          const entries = decodeBatchDeleteRequest(body).map((p) => ({ hostid: p.hostid, fileId: p.url }));
          batches.push(entries);
          for (const waiter of waiters.filter((w) => batches.length >= w.n)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
          if (fake.hang) {
            await new Promise<void>((resolve) => {
              hanging.push(resolve);
              signal.addEventListener('abort', () => resolve(), { once: true });
            });
          }
          const refused = fake.refuse?.(entries);
          if (refused !== undefined) return { ret: refused };
          const results = entries.map((e) => failing.get(e.fileId) ?? 0);
          const ret = results.every((r) => r === 0) ? ResultCode.OK : ResultCode.PARTIAL;
          return { ret, body: encodeBatchDeleteResponse(results) };
        },
      ],
    ]),
  });
  await server.start();
  return Object.assign(fake, {
    port: server.address.port,
    async stop() {
      fake.release();
      await server.stop();
    },
  });
}
