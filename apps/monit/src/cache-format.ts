/** How `monit cache` writes numbers on its line. */

const UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/** Binary units, one decimal, as varnishstat and `du -h` show them: `12.3 MB`, `256.0 MB`, `512 B`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * A ratio and its threshold as percentages, one decimal, or two when one decimal would show them
 * equal (`79.95% below 80.00%`, never `80.0% below 80.0%`).
 */
export function formatPercents(ratio: number, threshold: number): [string, string] {
  const one = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (one(ratio) !== one(threshold)) return [one(ratio), one(threshold)];
  const two = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [two(ratio), two(threshold)];
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** `1 hit`, `69 misses`. */
export function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
