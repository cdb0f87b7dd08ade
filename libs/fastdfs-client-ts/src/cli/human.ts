/** The number and date formats of the FastDFS C tools (libfastcommon shared_func.c), for output people read. */

const KB = 1024;
const UNITS = ['K', 'M', 'G', 'T', 'P', 'E'] as const;

/**
 * `bytes_to_human_str`: `512  B`, `1.5 KB`, `77 GB`. Below 10 units one decimal, rounded half up
 * (a value that rounds to 10.0 prints as `10`); from 10 units on, a whole number rounded half up.
 * Plain bytes get two spaces before `B` so that the columns line up with `KB`, `MB`...
 */
export function bytesToHuman(bytes: number): string {
  if (bytes < KB) return `${Math.trunc(bytes)}  B`;
  let unit = KB;
  let index = 0;
  while (index < UNITS.length - 1 && bytes >= unit * KB) {
    unit *= KB;
    index++;
  }
  let n = Math.floor(bytes / unit);
  const remain = bytes - n * unit;
  let text: string;
  if (n < 10) {
    let fragment = Math.floor((remain * 10 + Math.floor(unit / 2)) / unit);
    if (fragment === 10) {
      n++;
      fragment = 0;
    }
    text = n < 10 ? `${n}.${fragment}` : String(n);
  } else {
    if (remain >= unit / 2) n++;
    text = String(n);
  }
  return `${text} ${UNITS[index]}B`;
}

/** `FDFS_MB_TO_HUMAN_STR`: a size the tracker reports in MB. */
export function mbToHuman(mb: number): string {
  return bytesToHuman(mb * KB * KB);
}

/** `seconds_to_human_str`: `1 day 2 hours 5 seconds`, zero parts left out, `0 second` for nothing. */
export function secondsToHuman(seconds: number): string {
  let remains = Math.max(0, Math.trunc(seconds));
  const parts: Array<[number, string]> = [];
  for (const [size, unit] of [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ] as const) {
    parts.push([Math.floor(remains / size), unit]);
    remains %= size;
  }
  const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`);
  return shown.length === 0 ? '0 second' : shown.join(' ');
}

/** `%Y-%m-%d %H:%M:%S` in local time, as formatDatetime in libfastcommon. */
export function formatLocalTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return `${date} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
