import { describe, expect, it } from 'vitest';
import { markdownTable, meetsGoal, summaryProblem, textTable } from '../../../bench/results-table.mjs';

const row = (ratio: number, goal?: number) => ({
  what: 'cache hit, 80 KB',
  ours: 39086.4,
  reference: 25497,
  referenceName: 'varnish',
  unit: 'req/s',
  ratio,
  range: [1.29, 1.53] as [number, number],
  goal,
  higherIsBetter: true,
});

describe('the bench results table', () => {
  it('judges a goal on the ratio as printed', () => {
    expect(meetsGoal(row(0.795, 0.8))).toBe(true); // printed 0.80
    expect(meetsGoal(row(0.794, 0.8))).toBe(false); // printed 0.79
    expect(meetsGoal(row(2))).toBeUndefined();
  });

  it('prints one aligned line per row, and Markdown with the ratio in bold', () => {
    const summaries = [{ name: 'front', summary: { bench: 'front', rows: [row(1.533, 1), row(0.2, 0.5)] } }];
    const lines = textTable(summaries).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('39,086 req/s');
    expect(lines[1]).toContain('1.53 (1.29-1.53)');
    expect(lines[1]?.indexOf('1.53')).toBe(lines[2]?.indexOf('0.20'));
    expect(lines[2]?.endsWith('NO')).toBe(true);
    const md = markdownTable(summaries).split('\n');
    expect(md[1]).toBe('| --- | --- | --- | --- | --- | --- | --- |');
    expect(md[2]).toContain('| **1.53** (1.29-1.53) | >= 1 | yes |');
  });

  it('refuses a summary a bench could not have meant', () => {
    expect(summaryProblem({ rows: [row(1)] })).toBeUndefined();
    expect(summaryProblem({ rows: [], skipped: 'no varnishd' })).toBeUndefined();
    expect(summaryProblem({ rows: [] })).toMatch(/no rows/);
    expect(summaryProblem({ rows: [{ ...row(1), ratio: Number.NaN }] })).toMatch(/ratio is not a number/);
    expect(summaryProblem(null)).toMatch(/not a JSON object/);
  });
});
