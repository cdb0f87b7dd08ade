/** Redraw the terminal line at most this often (ms). */
const REDRAW_INTERVAL_MS = 200;
/** Without a terminal (cron mails what is printed), a plain line at most this often: a short run prints none. */
const PLAIN_INTERVAL_MS = 10_000;
const CLEAR_LINE = '\r\x1b[K';
const BAR_WIDTH = 24;

export interface ProgressTarget {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * The run's progress on stderr. On a terminal, one self-overwriting line with a bar,
 * `[#########...............]  1200/5000 entries  24%`, erased by done(); otherwise a plain line
 * `del_file_ontime: sent 1200 of 5000 entries (24%)` every 10 seconds. Hand-written: it is one line.
 */
export class ProgressDisplay {
  private last = -Infinity;
  private drawn = false;

  constructor(
    private readonly out: ProgressTarget,
    private readonly now: () => number = Date.now,
  ) {}

  update(sent: number, total: number): void {
    const t = this.now();
    const tty = this.out.isTTY === true;
    if (t - this.last < (tty ? REDRAW_INTERVAL_MS : PLAIN_INTERVAL_MS) && sent < total) return;
    if (!tty && this.last === -Infinity) {
      this.last = t; // the first plain line comes after one interval, not at once
      return;
    }
    if (!tty && sent >= total) return; // the summary follows at once
    this.last = t;
    if (tty) {
      this.drawn = true;
      this.out.write(`${CLEAR_LINE}${renderBar(sent, total, this.out.columns ?? 80)}`);
    } else {
      this.out.write(`del_file_ontime: sent ${sent} of ${total} entries (${percent(sent, total)}%)\n`);
    }
  }

  /** Erases the terminal line, so that what follows starts on a clean line. */
  done(): void {
    if (this.drawn) this.out.write(CLEAR_LINE);
    this.drawn = false;
  }
}

export function renderBar(sent: number, total: number, columns: number): string {
  const p = percent(sent, total);
  const filled = Math.round((BAR_WIDTH * p) / 100);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const text = `${bar}  ${sent}/${total} entries  ${p}%`;
  // A wrapped line cannot be overwritten with \r.
  return text.length < columns ? text : text.slice(text.length - (columns - 1));
}

function percent(sent: number, total: number): number {
  return total === 0 ? 100 : Math.min(100, Math.floor((sent * 100) / total));
}
