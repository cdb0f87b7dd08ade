/**
 * Rotation under load: two del_svr instances append to one delete.log while del_file_ontime's
 * drain renames it away again and again. Every entry acknowledged is sent by some drain (at least
 * once): none is left behind in a renamed file that was already read.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ResultCode } from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { drainDeleteLog, type BatchSender } from '@pic-storage/delete-log';
import { DEL_SVR_DEFAULTS } from '../../../apps/del-svr/src/conf.js';
import { startDelSvr, type DelSvr } from '../../../apps/del-svr/src/del-svr.js';
import { entriesOf, keyOf, queueDeletes } from '../../helpers/delete-log.js';

let dir: string;
let logPath: string;
let instances: DelSvr[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-del-rotation-'));
  logPath = join(dir, 'log', 'delete.log');
  const conf = { ...DEL_SVR_DEFAULTS, server: { port: 0 }, logPath };
  instances = [await startDelSvr(conf), await startDelSvr(conf)];
});

afterEach(async () => {
  await Promise.all(instances.map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

it('two instances, drains running throughout: every acknowledged entry is sent', async () => {
  const sent = new Set<string>();
  let sentCount = 0;
  const send: BatchSender = async (entries) => {
    for (const entry of entries) sent.add(keyOf(entry));
    sentCount += entries.length;
    return entries.map(() => 0);
  };
  const acked: string[] = [];
  let next = 0;
  let loading = true;
  const clients = instances.flatMap((svr) =>
    Array.from({ length: 8 }, () => new FrameClient({ ...svr.address, requestTimeoutMs: 20_000 })),
  );
  const load = Promise.all(
    clients.map(async (client, k) => {
      while (loading) {
        const entries = entriesOf(next, 1 + (k % 4));
        next += entries.length;
        expect(await queueDeletes(client, entries)).toBe(ResultCode.OK);
        acked.push(...entries.map(keyOf));
        await new Promise((resolve) => setTimeout(resolve, 2)); // a steady load, not a flood
      }
    }),
  );
  let drains = 0;
  while (drains < 15) {
    await drainDeleteLog({ logPath, batchSize: 200, send });
    drains++;
  }
  loading = false;
  await load;
  await drainDeleteLog({ logPath, batchSize: 200, send });
  await Promise.all(clients.map((c) => c.close()));

  expect(acked.filter((key) => !sent.has(key))).toEqual([]);
  // The instances saw the rotations and followed them.
  const reopens = instances.reduce((n, s) => n + s.stats().reopens, 0);
  expect(reopens).toBeGreaterThan(0);
  // At-least-once: duplicates come only from groups written again (rewrites) or read twice.
  expect(sentCount).toBeGreaterThanOrEqual(acked.length);
  // Only a fresh log is left.
  expect((await readdir(join(dir, 'log'))).filter((name) => name !== 'delete.log')).toEqual([]);
});
