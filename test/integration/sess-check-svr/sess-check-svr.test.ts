/**
 * sess_check_svr over real sockets, counts in memory: the struct on success, 1007 / 1008 / 1009,
 * the 31st check refused (also when sent at once, and in either hex case), expired keys not
 * counted, and the memory bound refusing new keys with 1005 without resetting held ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cmd, ResultCode, encodeSessionCheckRequest } from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import {
  decodeSessionStruct,
  encodeSessionStruct,
  issueSessionKey,
  type SessionFields,
} from '@pic-storage/session-key';
import { sessCheckConfFrom } from '../../../apps/sess-check-svr/src/sess-check-conf.js';
import { startSessCheckSvr, type RunningSessCheckSvr } from '../../../apps/sess-check-svr/src/sess-check-svr.js';
import { confOf } from '../../helpers/shipped-conf.js';

const DES = 'test!KEY';
const NOW = 1_700_000_000;
const FIELDS: SessionFields = {
  uid: 4242,
  channel: 2,
  albumid: 17,
  ip: '192.168.5.9',
  time: NOW % 65536,
  widthLimit: 1024,
  heightLimit: 768,
  isHead: 1,
};

const running: { svr: RunningSessCheckSvr; client: FrameClient }[] = [];
afterEach(async () => {
  for (const { svr, client } of running.splice(0)) {
    await client.close();
    await svr.stop();
  }
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A server on a free port with `confText` over a memory counter, its clock at `time.now`, and a client of it. */
async function start(confText = '') {
  const time = { now: NOW };
  const conf = sessCheckConfFrom(confOf(`port = 0\ndes_key = ${DES}\n${confText}`), {});
  const svr = await startSessCheckSvr(conf, quiet, { now: () => time.now, clock: () => time.now * 1000 });
  const client = new FrameClient({ ...svr.server.address, requestTimeoutMs: 5_000 });
  running.push({ svr, client });
  const check = (hex: string, id = 0) => client.request(Cmd.SESSION_CHECK, encodeSessionCheckRequest(hex), { id });
  return { time, check, client };
}

const issue = (fields: Partial<SessionFields> = {}): string => issueSessionKey({ ...FIELDS, ...fields }, DES);

describe('sess_check_svr (memory counts)', () => {
  it('a valid key: ret 0, body the 18-byte struct, header id echoed', async () => {
    const { check } = await start();
    const res = await check(issue(), 4242);
    expect(res.ret).toBe(ResultCode.OK);
    expect(res.header.cmd).toBe(Cmd.SESSION_CHECK);
    expect(res.header.id).toBe(4242);
    expect(res.body).toEqual(encodeSessionStruct(FIELDS));
    expect(decodeSessionStruct(res.body)).toEqual(FIELDS);
  });

  it('a key that is not one is SESSION_INVALID (1007), header only', async () => {
    const { check, client } = await start();
    const valid = issue();
    for (const hex of ['', 'zz', valid.slice(0, 46), `${valid}00`, issueSessionKey(FIELDS, 'otherKEY')]) {
      const res = await check(hex);
      expect(res.ret, JSON.stringify(hex)).toBe(ResultCode.SESSION_INVALID);
      expect(res.body.length).toBe(0);
    }
    const padded = await client.request(Cmd.SESSION_CHECK, Buffer.concat([Buffer.from(valid), Buffer.alloc(8)]));
    expect(padded.ret).toBe(ResultCode.OK);
    const junk = await client.request(Cmd.SESSION_CHECK, Buffer.concat([Buffer.from(`${valid}\0x`)]));
    expect(junk.ret).toBe(ResultCode.SESSION_INVALID);
  });

  it('a key out of its window is SESSION_EXPIRED (1008); the edges of window and skew', async () => {
    const { check } = await start();
    expect((await check(issue({ time: (NOW - 3600) % 65536 }))).ret).toBe(ResultCode.OK);
    expect((await check(issue({ time: (NOW - 3601) % 65536 }))).ret).toBe(ResultCode.SESSION_EXPIRED);
    expect((await check(issue({ time: (NOW + 300) % 65536 }))).ret).toBe(ResultCode.OK);
    expect((await check(issue({ time: (NOW + 301) % 65536 }))).ret).toBe(ResultCode.SESSION_EXPIRED);
  });

  it('30 checks pass, the 31st is SESSION_EXHAUSTED (1009), in either hex case', async () => {
    const { check } = await start();
    const hex = issue();
    for (let i = 1; i <= 29; i++) expect((await check(hex)).ret, `check ${i}`).toBe(ResultCode.OK);
    expect((await check(hex.toUpperCase())).ret).toBe(ResultCode.OK);
    expect((await check(hex.toUpperCase())).ret).toBe(ResultCode.SESSION_EXHAUSTED);
    expect((await check(hex)).ret).toBe(ResultCode.SESSION_EXHAUSTED);
    expect((await check(issue({ uid: 1 }))).ret).toBe(ResultCode.OK); // another key has its own count
  });

  it('40 checks of one key sent at once: exactly 30 pass', async () => {
    const { check } = await start();
    const hex = issue();
    const rets = (await Promise.all(Array.from({ length: 40 }, () => check(hex)))).map((r) => r.ret);
    expect(rets.filter((ret) => ret === ResultCode.OK)).toHaveLength(30);
    expect(rets.filter((ret) => ret === ResultCode.SESSION_EXHAUSTED)).toHaveLength(10);
  });

  it('max_checks is configurable', async () => {
    const { check } = await start('max_checks = 2\n');
    const hex = issue();
    expect((await check(hex)).ret).toBe(ResultCode.OK);
    expect((await check(hex)).ret).toBe(ResultCode.OK);
    expect((await check(hex)).ret).toBe(ResultCode.SESSION_EXHAUSTED);
  });

  it('an expired key is not counted, and a used-up key stays refused until its window is over', async () => {
    const { check, time } = await start('max_checks = 1\n');
    const hex = issue();
    expect((await check(hex)).ret).toBe(ResultCode.OK);
    time.now += 3600;
    expect((await check(hex)).ret).toBe(ResultCode.SESSION_EXHAUSTED);
    time.now += 1;
    expect((await check(hex)).ret).toBe(ResultCode.SESSION_EXPIRED);
  });

  it('memory bound: a full table refuses new keys with STORAGE_UNAVAILABLE (1005), held keys stay counted', async () => {
    const { check, time } = await start('max_memory_keys = 2\nmax_checks = 3\n');
    const [a, b, c] = [issue({ uid: 1 }), issue({ uid: 2 }), issue({ uid: 3 })] as [string, string, string];
    expect((await check(a)).ret).toBe(ResultCode.OK);
    expect((await check(b)).ret).toBe(ResultCode.OK);
    expect((await check(c)).ret).toBe(ResultCode.STORAGE_UNAVAILABLE);
    // Flooding with new keys evicts nothing: a's count goes on, and runs out.
    for (let uid = 10; uid < 20; uid++) expect((await check(issue({ uid }))).ret).toBe(ResultCode.STORAGE_UNAVAILABLE);
    expect((await check(a)).ret).toBe(ResultCode.OK);
    expect((await check(a)).ret).toBe(ResultCode.OK);
    expect((await check(a)).ret).toBe(ResultCode.SESSION_EXHAUSTED);
    // Past a's and b's window (+ skew) their counts expire and make room; c (issued at the same time) is expired too.
    time.now += 3600 + 300 + 1;
    expect((await check(c)).ret).toBe(ResultCode.SESSION_EXPIRED);
    expect((await check(issue({ uid: 3, time: time.now % 65536 }))).ret).toBe(ResultCode.OK);
  });
});
