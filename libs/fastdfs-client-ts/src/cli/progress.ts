import { bytesToHuman } from './human.js';

/** Transfers smaller than this finish too fast for a progress line to help. */
export const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;
/** Redraw at most this often (ms): fast enough to look live, slow enough not to flood a slow terminal. */
const REDRAW_INTERVAL = 200;
const CLEAR_LINE = '\r\x1b[K';

export interface ProgressTarget {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * One self-overwriting line on a terminal: `name  12 MB / 80 MB  15%  9.8 MB/s`. Written only
 * where `isTTY` is true (never into a file or a pipe), and erased by `done()` so that it leaves
 * nothing behind. Hand-written rather than a progress-bar library: it is one line of text.
 */
export class ProgressLine {
  private transferred = 0;
  private lastDraw = -Infinity;
  private readonly started: number;
  private drawn = false;

  private constructor(
    private readonly out: ProgressTarget,
    private readonly label: string,
    private readonly total: number,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  /** A progress line when `out` is a terminal and the transfer is large enough; else undefined. */
  static start(out: ProgressTarget, label: string, total: number, now: () => number): ProgressLine | undefined {
    if (out.isTTY !== true || total < PROGRESS_MIN_BYTES) return undefined;
    return new ProgressLine(out, label, total, now);
  }

  /** Counts `bytes` more as transferred; redraws when the last drawing is old enough. */
  add(bytes: number): void {
    this.transferred += bytes;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_INTERVAL && this.transferred < this.total) return;
    this.lastDraw = t;
    this.drawn = true;
    this.out.write(`${CLEAR_LINE}${this.render(t)}`);
  }

  /** Erases the line (success or failure alike): what follows starts on a clean line. */
  done(): void {
    if (this.drawn) this.out.write(CLEAR_LINE);
    this.drawn = false;
  }

  render(t: number): string {
    const percent = this.total === 0 ? 100 : Math.floor((this.transferred * 100) / this.total);
    const seconds = (t - this.started) / 1000;
    const rate = seconds > 0 ? `${compact(this.transferred / seconds)}/s` : '';
    const figures = `  ${compact(this.transferred)} / ${compact(this.total)}  ${percent}%  ${rate}`.trimEnd();
    // Keep within the terminal's width: a wrapped line cannot be overwritten with \r.
    const room = (this.out.columns ?? 80) - 1 - figures.length;
    const label = this.label.length <= room ? this.label : `…${this.label.slice(-Math.max(0, room - 1))}`;
    return `${room > 0 ? label : ''}${figures}`;
  }
}

function compact(bytes: number): string {
  return bytesToHuman(Math.round(bytes)).replace('  B', ' B');
}
