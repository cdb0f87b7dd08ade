// The one table of bench/run-all.mjs: every bench's summary rows (bench-kit.mjs writeSummary) as aligned text
// for the terminal and as Markdown for the README's results section.

/** The columns, in order. */
const COLUMNS = ['bench', 'what', 'ours', 'reference (name)', 'ratio (range)', 'goal', 'met?'];

/** A number as the benches print it: whole above 100 (with separators), else three significant digits. */
export function formatNumber(value) {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

const twoDecimals = (ratio) => Number(ratio.toFixed(2));

/**
 * Whether a row meets its goal, judged on the ratio as printed (two decimals), so that a row never reads
 * "0.80 ... NO" against a goal of 0.8. Undefined when the row has no goal.
 */
export function meetsGoal(row) {
  return row.goal === undefined ? undefined : twoDecimals(row.ratio) >= row.goal;
}

/** The cells of one summary row, as text; `strong` marks the ratio up (Markdown). */
export function cellsOf(bench, row, strong = false) {
  const range = row.range === undefined ? '' : ` (${row.range[0].toFixed(2)}-${row.range[1].toFixed(2)})`;
  const met = meetsGoal(row);
  return [
    bench,
    row.what,
    `${formatNumber(row.ours)} ${row.unit}`,
    `${formatNumber(row.reference)} ${row.unit} (${row.referenceName})`,
    strong ? `**${row.ratio.toFixed(2)}**${range}` : `${row.ratio.toFixed(2)}${range}`,
    row.goal === undefined ? '-' : `>= ${row.goal}`,
    met === undefined ? '-' : met ? 'yes' : 'NO',
  ];
}

/** Every row of every summary, in the order the benches ran. */
const tableRows = (summaries, strong = false) =>
  summaries.flatMap(({ name, summary }) => summary.rows.map((r) => cellsOf(name, r, strong)));

/** The table as aligned text, one line per row, under a header. */
export function textTable(summaries) {
  const rows = [COLUMNS, ...tableRows(summaries)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const escapeCell = (text) => text.replaceAll('|', '\\|');

/** The table in Markdown (GitHub's pipe tables). */
export function markdownTable(summaries) {
  const line = (cells) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(COLUMNS), line(COLUMNS.map(() => '---')), ...tableRows(summaries, true).map(line)].join('\n');
}

/** The lines under the table: what was skipped, noted, or crashed, per bench. */
export function outcomeLines(runs) {
  const lines = [];
  for (const run of runs) {
    if (run.crashed !== undefined) lines.push(`${run.name}: CRASHED: ${run.crashed}`);
    if (run.summary?.skipped !== undefined) lines.push(`${run.name}: skipped: ${run.summary.skipped}`);
    for (const note of run.summary?.notes ?? []) lines.push(`${run.name}: ${note}`);
  }
  return lines;
}

/** Checks that a summary file holds what bench-kit.mjs writes; returns a reason when it does not. */
export function summaryProblem(summary) {
  if (typeof summary !== 'object' || summary === null) return 'not a JSON object';
  if (!Array.isArray(summary.rows)) return 'no rows array';
  for (const row of summary.rows) {
    for (const key of ['ours', 'reference', 'ratio']) {
      if (typeof row[key] !== 'number' || !Number.isFinite(row[key])) return `row ${row.what}: ${key} is not a number`;
    }
    for (const key of ['what', 'referenceName', 'unit']) {
      if (typeof row[key] !== 'string') return `a row's ${key} is not a string`;
    }
    if (row.goal !== undefined && typeof row.goal !== 'number') return `row ${row.what}: goal is not a number`;
  }
  if (summary.rows.length === 0 && typeof summary.skipped !== 'string') return 'no rows, and no reason (skipped)';
  return undefined;
}
