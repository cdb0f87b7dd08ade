import type { DrainSummary } from '@pic-storage/delete-log';

/** `deleted 120, failed 3, kept for the next run: 3`, with what else the run has to say. */
export function summaryLine(summary: DrainSummary): string {
  let line = `deleted ${summary.deleted}, failed ${summary.failed}, kept for the next run: ${summary.kept}`;
  if (summary.unreadable > 0) line += `, unreadable lines skipped: ${summary.unreadable}`;
  if (summary.resumed) line += ' (finished an interrupted run first)';
  return line;
}

/** The --json summary: one object, every field always present. */
export function summaryJson(summary: DrainSummary): string {
  return JSON.stringify({
    deleted: summary.deleted,
    failed: summary.failed,
    kept: summary.kept,
    unreadable: summary.unreadable,
    batches: summary.batches,
    resumed: summary.resumed,
    stopped: summary.stopped ?? null,
  });
}
