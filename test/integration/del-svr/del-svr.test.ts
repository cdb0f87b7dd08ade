/**
 * del_svr in process on a free port: cmd 3002 bodies refused with their codes and nothing written,
 * good requests answered only once their entries are in the log, and group commit under load.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cmd, Encoder, ResultCode, encodeQueueDeletesRequest } from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { DEL_SVR_DEFAULTS } from '../../../apps/del-svr/src/conf.js';
import { startDelSvr, type DelSvr } from '../../../apps/del-svr/src/del-svr.js';
import { entriesOf, fileIdOf, keyOf, queueDeletes, readLogEntries } from '../../helpers/delete-log.js';

let dir: string;
let svr: DelSvr;
const clients: FrameClient[] = [];

function client(): FrameClient {
  const c = new FrameClient({ ...svr.address, requestTimeoutMs: 20_000 });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-del-svr-'));
  svr = await startDelSvr({ ...DEL_SVR_DEFAULTS, server: { port: 0 }, logPath: join(dir, 'log', 'delete.log') });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await svr.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A 3002 body by hand: `count` as given, then the pics. */
function body(count: number, urls: string[], extra = 0): Buffer {
  const encoder = new Encoder(4 + 68 * urls.length).writeUInt32(count);
  for (const url of urls) encoder.writeUInt32(0).writeFixedString(url, 64);
  return Buffer.concat([encoder.toBuffer(), Buffer.alloc(extra)]);
}

describe('del_svr cmd 3002', () => {
  it('appends the entries to <base_path>/log/delete.log and answers ret 0, header only', async () => {
    const c = client();
    const response = await c.request(Cmd.QUEUE_DELETES, body(2, [fileIdOf(1), `http://p/${fileIdOf(2)}`]));
    expect(response.ret).toBe(ResultCode.OK);
    expect(response.header.len).toBe(18);
    expect((await readLogEntries(svr.logPath)).map((e) => e.fileId)).toEqual([fileIdOf(1), fileIdOf(2)]);
  });

  it.each([
    ['a body shorter than file_cnt', Buffer.alloc(3), ResultCode.BAD_BODY],
    ['a body one byte too long', body(1, [fileIdOf(1)], 1), ResultCode.BAD_BODY],
    ['a count that lies (2, one pic_info)', body(2, [fileIdOf(1)]), ResultCode.BAD_BODY],
    ['a count of 0', body(0, []), ResultCode.BAD_ARGUMENT],
    [
      'a count over 4096',
      body(
        4097,
        Array.from({ length: 4097 }, (_, i) => fileIdOf(i)),
      ),
      ResultCode.BAD_ARGUMENT,
    ],
    [
      'one `..` id among good ones',
      body(3, [fileIdOf(1), 'g01/M00/00/00/../../../../etc/passwd', fileIdOf(2)]),
      ResultCode.BAD_ARGUMENT,
    ],
    ['an id with a bad group', body(1, [fileIdOf(1).replace('g01', 'g_1')]), ResultCode.BAD_ARGUMENT],
    ['an empty url', body(1, ['']), ResultCode.BAD_ARGUMENT],
  ])('%s: its code, and nothing written', async (_name, request, code) => {
    const c = client();
    expect(await queueDeletes(c, entriesOf(100, 1))).toBe(ResultCode.OK);
    const before = (await stat(svr.logPath)).size;
    const response = await c.request(Cmd.QUEUE_DELETES, request);
    expect(response.ret).toBe(code);
    expect(response.body.length).toBe(0);
    expect((await stat(svr.logPath)).size).toBe(before);
    expect(svr.stats().appends).toBe(1);
  });

  it('64 concurrent clients: every acknowledged entry is in the log, with far fewer fsyncs than requests', async () => {
    const perClient = 15;
    const acked: string[] = [];
    await Promise.all(
      Array.from({ length: 64 }, async (_, k) => {
        const c = client();
        for (let i = 0; i < perClient; i++) {
          const entries = entriesOf((k * perClient + i) * 2, 2, k % 3);
          const response = await c.request(
            Cmd.QUEUE_DELETES,
            encodeQueueDeletesRequest(entries.map((e) => ({ hostid: e.hostid, url: e.fileId }))),
          );
          expect(response.ret).toBe(ResultCode.OK);
          acked.push(...entries.map(keyOf));
        }
      }),
    );
    const stats = svr.stats();
    expect(stats.appends).toBe(64 * perClient);
    expect(stats.syncs).toBeLessThanOrEqual(stats.writes);
    // Group commit: requests that arrive during a write+fsync share the next one.
    expect(stats.syncs).toBeLessThan(stats.appends / 2);
    const inLog = new Set((await readLogEntries(svr.logPath)).map(keyOf));
    expect(acked.filter((key) => !inLog.has(key))).toEqual([]);
    expect(inLog.size).toBe(acked.length);
  });

  it('stop() answers the requests already accepted before closing the log', async () => {
    const c = client();
    const pending = Array.from({ length: 20 }, (_, i) => queueDeletes(c, entriesOf(i, 1)));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = svr.stop();
    const rets = await Promise.allSettled(pending);
    await stopped;
    const ok = rets.filter((r) => r.status === 'fulfilled' && r.value === ResultCode.OK).length;
    expect((await readLogEntries(svr.logPath)).length).toBeGreaterThanOrEqual(ok);
    // afterEach stops it again: stopping twice must be harmless.
  });
});
