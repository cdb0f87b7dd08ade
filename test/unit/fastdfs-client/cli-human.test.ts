import { describe, expect, it } from 'vitest';
import {
  bytesToHuman,
  formatLocalTime,
  mbToHuman,
  secondsToHuman,
} from '../../../libs/fastdfs-client-ts/src/cli/human.js';

describe('the C tools’ number formats (libfastcommon shared_func.c)', () => {
  it.each([
    [0, '0  B'],
    [1023, '1023  B'],
    [1024, '1.0 KB'],
    [1536, '1.5 KB'],
    // 9.96 KB rounds to 10.0, printed without a decimal
    [10_199, '10 KB'],
    [10 * 1024, '10 KB'],
    [10.5 * 1024, '11 KB'],
    [1024 ** 2, '1.0 MB'],
    [2.5 * 1024 ** 3, '2.5 GB'],
    [252 * 1024 ** 3 + 100, '252 GB'],
    [3 * 1024 ** 4, '3.0 TB'],
    [5 * 1024 ** 5, '5.0 PB'],
  ])('bytes_to_human_str(%d) = %j', (bytes, text) => {
    expect(bytesToHuman(bytes)).toBe(text);
  });

  it('FDFS_MB_TO_HUMAN_STR takes megabytes', () => {
    expect(mbToHuman(2560)).toBe('2.5 GB');
    expect(mbToHuman(0)).toBe('0  B');
  });

  it.each([
    [0, '0 second'],
    [-5, '0 second'],
    [1, '1 second'],
    [61, '1 minute 1 second'],
    [3600, '1 hour'],
    [2 * 86_400 + 7200 + 5, '2 days 2 hours 5 seconds'],
  ])('seconds_to_human_str(%d) = %j', (seconds, text) => {
    expect(secondsToHuman(seconds)).toBe(text);
  });

  it('formats times as %Y-%m-%d %H:%M:%S in local time', () => {
    const t = new Date(2026, 0, 2, 3, 4, 5).getTime() / 1000;
    expect(formatLocalTime(t)).toBe('2026-01-02 03:04:05');
  });
});
