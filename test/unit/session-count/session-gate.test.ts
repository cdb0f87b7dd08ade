import { describe, expect, it } from 'vitest';
import { MemoryCounter, SessionGate, SessionRefusedError } from '@pic-storage/session-count';
import { DesKey, issueSessionKey } from '@pic-storage/session-key';

const KEY = 'pic$KEY1';
const NOW = 1_700_000_000;
const quiet = { info() {}, warn() {} };

function gate(maxChecks = 2) {
  const counter = new MemoryCounter({ maxKeys: 10, logger: quiet, clock: () => NOW * 1000 });
  return {
    counter,
    gate: new SessionGate({
      desKey: DesKey.from(KEY),
      counter,
      maxChecks,
      age: { windowSeconds: 3600, skewSeconds: 300 },
      now: () => NOW,
    }),
  };
}

async function refusal(use: Promise<unknown>): Promise<string> {
  try {
    await use;
  } catch (err) {
    if (err instanceof SessionRefusedError) return err.reason;
    throw err;
  }
  return 'accepted';
}

describe('SessionGate', () => {
  it('decodes, checks the window and counts each use; the use past maxChecks is exhausted', async () => {
    const { gate: g, counter } = gate(2);
    const hex = issueSessionKey({ uid: 9, albumid: 4 }, KEY, NOW);
    expect(await g.use(hex)).toMatchObject({ uid: 9, albumid: 4 });
    expect(await refusal(g.use(hex.toUpperCase()))).toBe('accepted');
    expect(await refusal(g.use(hex))).toBe('exhausted');
    expect(counter.size).toBe(1);
  });

  it('refuses a key that is not ours, and an expired one, without counting either', async () => {
    const { gate: g, counter } = gate();
    expect(await refusal(g.use(issueSessionKey({ uid: 1 }, 'otherKEY', NOW)))).toBe('invalid');
    expect(await refusal(g.use('zz'))).toBe('invalid');
    expect(await refusal(g.use(issueSessionKey({ uid: 1, time: (NOW - 4000) % 65536 }, KEY, NOW)))).toBe('expired');
    expect(counter.size).toBe(0);
  });

  it('a key its accept check refuses costs none of its uses (upload.cgi i_ip)', async () => {
    const { gate: g, counter } = gate(1);
    const hex = issueSessionKey({ uid: 9, ip: '10.1.1.198' }, KEY, NOW);
    const wrongServer = new SessionRefusedError('invalid', 'issued for another server');
    const accept = (fields: { ip: string }) => {
      if (fields.ip !== '10.1.1.197') throw wrongServer;
    };
    for (let i = 0; i < 3; i++) await expect(g.use(hex, accept)).rejects.toBe(wrongServer);
    expect(counter.size).toBe(0);
    expect(await g.use(hex)).toMatchObject({ uid: 9, ip: '10.1.1.198' });
    expect(await refusal(g.use(hex))).toBe('exhausted');
  });

  it('a count that cannot be kept is unavailable, never an accepted key', async () => {
    const { gate: g } = gate();
    for (let uid = 1; uid <= 10; uid++) await g.use(issueSessionKey({ uid }, KEY, NOW));
    expect(await refusal(g.use(issueSessionKey({ uid: 11 }, KEY, NOW)))).toBe('unavailable');
  });
});
