/** The console table `npm run bench` prints at the end. */
import type { BenchResults } from '../types.js';
import { fmt, fmtRatio, passText, withUnit } from './format.js';

function render(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Metrics table, then goals with pass/fail, then scenarios that failed. */
export function consoleTable(r: BenchResults): string {
  const metricRows = r.scenarios.flatMap((s) =>
    s.rows.map((row) => [
      s.id,
      `${row.metric} (${row.unit})`,
      fmt(row.ferry),
      fmt(row.baseline),
      fmtRatio(row.ratio),
    ]),
  );
  const goalRows = r.goals.map((g) => [
    g.scenario,
    g.label,
    g.target,
    `${withUnit(g.actual, g.unit)}${g.note ? ` (${g.note})` : ''}`,
    passText(g.pass),
  ]);
  const problems = r.scenarios
    .filter((s) => s.status !== 'ok')
    .map((s) => `${s.id}: ${s.status.toUpperCase()}: ${s.errors.join(' | ')}`);
  return [
    render(['scenario', 'metric', 'ferry', 'baseline', 'ferry/baseline'], metricRows),
    '',
    render(['scenario', 'goal', 'target', 'actual', 'result'], goalRows),
    ...(problems.length ? ['', ...problems] : []),
  ].join('\n');
}
