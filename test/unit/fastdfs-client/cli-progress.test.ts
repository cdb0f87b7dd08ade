import { describe, expect, it } from 'vitest';
import { PROGRESS_MIN_BYTES, ProgressLine } from '../../../libs/fastdfs-client-ts/src/cli/progress.js';

const MB = 1024 * 1024;

function terminal(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { writes, out: { isTTY, columns, write: (text: string) => writes.push(text) } };
}

describe('ProgressLine', () => {
  it('draws bytes, percent and rate on one line, at most every 200 ms, and erases it at the end', () => {
    const { writes, out } = terminal(true);
    let now = 1000;
    const progress = ProgressLine.start(out, 'big.bin', 10 * MB, () => now) as ProgressLine;
    expect(progress).toBeDefined();
    now += 500;
    progress.add(MB);
    expect(writes).toEqual(['\r\x1b[Kbig.bin  1.0 MB / 10 MB  10%  2.0 MB/s']);
    now += 100; // too soon: counted, not drawn
    progress.add(MB);
    expect(writes).toHaveLength(1);
    now += 100;
    progress.add(MB);
    expect(writes[1]).toBe('\r\x1b[Kbig.bin  3.0 MB / 10 MB  30%  4.3 MB/s');
    now += 1;
    progress.add(7 * MB); // the last bytes are always drawn
    expect(writes[2]).toMatch(/ 10 MB \/ 10 MB {2}100% {2}/);
    progress.done();
    expect(writes[3]).toBe('\r\x1b[K');
    progress.done(); // nothing left to erase
    expect(writes).toHaveLength(4);
  });

  it('never draws when stderr is not a terminal, nor for small transfers', () => {
    const notTty = terminal(false);
    expect(ProgressLine.start(notTty.out, 'f', 100 * MB, () => 0)).toBeUndefined();
    const { out } = terminal(true);
    expect(ProgressLine.start(out, 'f', PROGRESS_MIN_BYTES - 1, () => 0)).toBeUndefined();
    expect(ProgressLine.start(out, 'f', PROGRESS_MIN_BYTES, () => 0)).toBeDefined();
  });

  it('keeps within the terminal width by shortening the name from the left', () => {
    const { writes, out } = terminal(true, 50);
    let now = 0;
    const progress = ProgressLine.start(out, 'a-very-long-folder-name/and-a-long-file-name.bin', 8 * MB, () => now);
    now = 1000;
    progress?.add(4 * MB);
    const line = (writes[0] as string).slice('\r\x1b[K'.length);
    expect(line.length).toBeLessThan(50);
    expect(line).toMatch(/^….*name\.bin {2}4\.0 MB \/ 8\.0 MB {2}50% {2}4\.0 MB\/s$/);
  });
});
