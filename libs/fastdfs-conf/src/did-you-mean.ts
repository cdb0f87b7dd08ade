/**
 * "Did you mean …" for an unknown conf key: the known keys nearest by edit distance (adjacent
 * letters swapped count as one edit, so `tracker_prot` → `tracker_port`), else the known keys that
 * contain the word as a `_`-separated part (`port` → `tracker_port`, `storage_port`) or that the
 * word ends with after a section name.
 */
export function didYouMean(word: string, known: Iterable<string>): string[] {
  const candidates = [...new Set(known)];
  // Short words allow one edit, longer ones one per four letters: close enough to be a typo.
  const limit = Math.max(1, Math.floor(word.length / 4));
  let best = limit;
  let nearest: string[] = [];
  for (const key of candidates) {
    // Exact up to `best`; anything farther comes back as best + 1 and is dropped.
    const d = editDistance(word, key, best + 1);
    if (d < best) [best, nearest] = [d, [key]];
    else if (d === best) nearest.push(key);
  }
  if (nearest.length > 0) return nearest.slice(0, MAX_SUGGESTIONS);
  // `port` → `tracker_port`; `http.log_level` (a key left under a [section]) → `log_level`.
  return candidates
    .filter((key) => key.split(/[_.]/).includes(word) || word.endsWith(`.${key}`))
    .slice(0, MAX_SUGGESTIONS);
}

const MAX_SUGGESTIONS = 3;

/** `a, b or c` for a message. */
export function orList(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/**
 * Optimal string alignment distance (Levenshtein plus transposition of adjacent letters). Gives
 * up early with `cap` once every path is at least that long: only near words matter.
 */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (prev2[j - 2] as number) + 1);
      }
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin >= cap) return cap;
    [prev2, prev] = [prev, row];
  }
  return Math.min(prev[b.length] as number, cap);
}
