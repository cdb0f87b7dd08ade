/** The progress display: a redrawn bar on a terminal, sparse plain lines otherwise (cron mails them). */
import { describe, expect, it } from 'vitest';
import { ProgressDisplay, renderBar } from '../../../apps/del-file-ontime/src/progress.js';

function target(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { write: (text: string) => writes.push(text), isTTY, columns: 80 } };
}

describe('renderBar', () => {
  it('fills the bar by the share sent', () => {
    expect(renderBar(0, 200, 80)).toBe('[........................]  0/200 entries  0%');
    expect(renderBar(50, 200, 80)).toBe('[######..................]  50/200 entries  25%');
    expect(renderBar(200, 200, 80)).toBe('[########################]  200/200 entries  100%');
    expect(renderBar(0, 0, 80)).toMatch(/100%$/);
  });

  it('stays within the terminal width', () => {
    expect(renderBar(5, 10, 30).length).toBeLessThan(30);
  });
});

describe('ProgressDisplay', () => {
  it('on a terminal: redraws at most every 200 ms (and at the end), done() erases', () => {
    let now = 0;
    const { writes, out } = target(true);
    const display = new ProgressDisplay(out, () => now);
    display.update(0, 100);
    display.update(10, 100); // too soon
    now = 250;
    display.update(20, 100);
    display.update(100, 100); // the end is always drawn
    display.done();
    expect(writes).toEqual([
      `\r\x1b[K${renderBar(0, 100, 80)}`,
      `\r\x1b[K${renderBar(20, 100, 80)}`,
      `\r\x1b[K${renderBar(100, 100, 80)}`,
      '\r\x1b[K',
    ]);
  });

  it('without a terminal: a plain line every 10 s, none for a run shorter than that', () => {
    let now = 0;
    const { writes, out } = target(false);
    const display = new ProgressDisplay(out, () => now);
    display.update(0, 1000);
    now = 9_000;
    display.update(100, 1000);
    expect(writes).toEqual([]);
    now = 10_500;
    display.update(200, 1000);
    now = 12_000;
    display.update(300, 1000);
    now = 21_000;
    display.update(1000, 1000); // the summary follows at once
    display.done();
    expect(writes).toEqual(['del_file_ontime: sent 200 of 1000 entries (20%)\n']);
  });
});
