import { describe, expect, it } from 'vitest';
import { RateLimitedLog } from '../../../apps/front/src/download/rate-limited-log.js';

function recorder() {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const logger = {
    warn: (fields: object, message: string) => lines.push({ level: 'warn', fields, message }),
    error: (fields: object, message: string) => lines.push({ level: 'error', fields, message }),
  };
  return { lines, logger: logger as never };
}

describe('RateLimitedLog', () => {
  it('one line per kind per interval, the next one saying how many were not logged', () => {
    let now = 1_000;
    const { lines, logger } = recorder();
    const log = new RateLimitedLog(logger, 10_000, () => now);
    for (let i = 0; i < 5; i++) log.warn('fastdfs-down', { fileId: `f${i}` }, 'FastDFS could not serve a download');
    log.error('internal', { fileId: 'x' }, 'a download failed');
    expect(lines).toEqual([
      { level: 'warn', fields: { kind: 'fastdfs-down', fileId: 'f0' }, message: 'FastDFS could not serve a download' },
      { level: 'error', fields: { kind: 'internal', fileId: 'x' }, message: 'a download failed' },
    ]);
    now += 9_999;
    log.warn('fastdfs-down', { fileId: 'f5' }, 'FastDFS could not serve a download');
    expect(lines).toHaveLength(2);
    now += 1;
    log.warn('fastdfs-down', { fileId: 'f6' }, 'FastDFS could not serve a download');
    expect(lines[2]).toEqual({
      level: 'warn',
      fields: { kind: 'fastdfs-down', fileId: 'f6', suppressed: 5 },
      message: 'FastDFS could not serve a download',
    });
    now += 10_000;
    log.warn('fastdfs-down', { fileId: 'f7' }, 'FastDFS could not serve a download');
    expect(lines[3]?.fields).toEqual({ kind: 'fastdfs-down', fileId: 'f7' });
  });
});
