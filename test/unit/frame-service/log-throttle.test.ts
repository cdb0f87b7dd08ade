import { describe, expect, it } from 'vitest';
import { LogThrottle, type ServiceLogger } from '@pic-storage/frame-service';

function recorder(): { logger: ServiceLogger; lines: { level: string; object: object; message?: string }[] } {
  const lines: { level: string; object: object; message?: string }[] = [];
  const push = (level: string) => (object: object, message?: string) => lines.push({ level, object, message });
  return { logger: { info: push('info'), warn: push('warn'), error: push('error') }, lines };
}

describe('LogThrottle', () => {
  it('writes at most perSecond lines of one message a second, and counts the rest into the next line', () => {
    let now = 1_000;
    const { logger, lines } = recorder();
    const throttle = new LogThrottle(logger, 3, () => now);
    for (let i = 0; i < 100; i++) throttle.warn({ i }, 'framing error, closing');
    expect(lines.map((l) => l.object)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    now += 999;
    throttle.warn({ i: 100 }, 'framing error, closing');
    expect(lines).toHaveLength(3);
    now += 1;
    throttle.warn({ i: 101 }, 'framing error, closing');
    expect(lines[3]).toEqual({ level: 'warn', object: { i: 101, suppressed: 98 }, message: 'framing error, closing' });
  });

  it('keeps a window per message, so a flood of one kind hides no other kind', () => {
    const { logger, lines } = recorder();
    const throttle = new LogThrottle(logger, 1, () => 0);
    throttle.warn({}, 'framing error, closing');
    throttle.warn({}, 'framing error, closing');
    throttle.error({ cmd: 3005 }, 'request failed');
    throttle.info({}, 'idle, closed');
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'warn framing error, closing',
      'error request failed',
      'info idle, closed',
    ]);
  });

  it('counts refusals per result code: a flood of BAD_BODY hides no BAD_IMAGE', () => {
    const { logger, lines } = recorder();
    const throttle = new LogThrottle(logger, 2, () => 0);
    for (let i = 0; i < 50; i++) throttle.info({ result: 'BAD_BODY' }, 'refused');
    throttle.info({ result: 'BAD_IMAGE' }, 'refused');
    expect(lines.map((l) => (l.object as { result: string }).result)).toEqual(['BAD_BODY', 'BAD_BODY', 'BAD_IMAGE']);
  });
});
