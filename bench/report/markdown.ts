/** bench/results/results.md: the human-readable report the README links. */
import type { BenchResults } from '../types.js';
import { fmt, fmtRatio, passText, withUnit } from './format.js';

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A Markdown table; the first `left` columns are text (left-aligned), the rest numbers. */
export function table(header: string[], rows: string[][], left = 1): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i < left ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function markdownReport(r: BenchResults, chartFile: string): string {
  const m = r.meta;
  const out: string[] = [
    '# Ferry benchmark results',
    '',
    `Run ${m.startedAt} (${(m.durationMs / 1000).toFixed(0)} s), size **${m.size}**, commit ${m.commit}, \`${m.command}\`.`,
    `Machine: ${m.machine.cpus} × ${m.machine.cpuModel}, ${m.machine.memoryGiB} GiB, ${m.machine.platform}, Node ${m.machine.node}, ` +
      `load average before the run ${m.machine.loadAverage1m}. Pinning: ${m.pinning}. Open-file limit: ${m.fileLimit}. ` +
      `Server data (SQLite) in ${m.machine.scratchFilesystem}.`,
    '',
    ...(m.size === 'tiny'
      ? ['**Tiny size: these numbers only show the code paths run; they say nothing about the goals.**', '']
      : []),
    'Each scenario runs Ferry and the bare socket.io baseline (`bench/baseline/server.ts`) one after the other in the same run, ' +
      'each server in its own process, so the ratios hold on a noisy machine. Goals are judged here, never by tests.',
    '',
    '## Goals',
    '',
    table(
      ['Goal', 'Target', 'Actual', 'Result'],
      r.goals.map((g) => [
        g.label,
        g.target,
        `${withUnit(g.actual, g.unit)}${g.note ? ` (${g.note})` : ''}`,
        passText(g.pass),
      ]),
      2,
    ),
    '',
    `![Ferry against the baseline](${chartFile})`,
    '',
  ];
  for (const s of r.scenarios) {
    out.push(`## ${s.title}`, '', `Status: **${s.status}** (${(s.durationMs / 1000).toFixed(1)} s).`, '');
    if (s.errors.length) out.push(...s.errors.map((e) => `- Error: ${esc(e)}`), '');
    if (s.rows.length)
      out.push(
        table(
          ['Metric', 'Unit', 'Ferry', 'Baseline', 'Ferry/baseline'],
          s.rows.map((row) => [row.metric, row.unit, fmt(row.ferry), fmt(row.baseline), fmtRatio(row.ratio)]),
          2,
        ),
        '',
      );
    if (s.notes.length) out.push(...s.notes.map((n) => `- ${n}`), '');
  }
  out.push('Raw numbers (every step, every level): `results.json` beside this file.', '');
  return out.join('\n');
}
