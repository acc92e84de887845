/**
 * bench/results/goals.md: every goal in one table, across the runs kept in the results folder and
 * the folders under it at any depth (the main run, and scenarios run on their own with
 * `--out bench/results/<name>`, such as search, client or accounts/big-account). Each goal comes from the newest run that judged it, a full-size run
 * before any tiny one.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchResults, GoalResult } from '../types.js';
import { passText, withUnit } from './format.js';
import { table } from './markdown.js';

export const ALL_GOALS_FILE = 'goals.md';

interface Judged {
  goal: GoalResult;
  folder: string;
  meta: BenchResults['meta'];
}

/** The results.json of `root` and of every folder under it, as folders relative to `root`. */
function runsUnder(root: string, folder = '.'): Array<{ folder: string; results: BenchResults }> {
  const here = path.join(root, folder);
  const file = path.join(here, 'results.json');
  const own = existsSync(file)
    ? [{ folder, results: JSON.parse(readFileSync(file, 'utf8')) as BenchResults }]
    : [];
  const below = readdirSync(here, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => runsUnder(root, folder === '.' ? e.name : path.posix.join(folder, e.name)));
  return [...own, ...below];
}

/** True when `dir` is `root` or a folder under it. */
export function isWithin(root: string, dir: string): boolean {
  const rel = path.relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Writes goals.md into `root` from the runs found there; returns how many goals it lists. */
export function writeAllGoals(root: string): number {
  const newest = new Map<string, Judged>();
  const rank = (j: Judged) => `${j.meta.size === 'full' ? 1 : 0}${j.meta.startedAt}`;
  for (const { folder, results } of runsUnder(root))
    for (const goal of results.goals) {
      const candidate = { goal, folder, meta: results.meta };
      const kept = newest.get(goal.id);
      if (!kept || rank(candidate) > rank(kept)) newest.set(goal.id, candidate);
    }
  const rows = [...newest.values()].map(({ goal, folder, meta }) => [
    goal.label,
    goal.target,
    `${withUnit(goal.actual, goal.unit)}${goal.note ? ` (${goal.note})` : ''}`,
    passText(goal.pass),
    `[${folder === '.' ? 'results' : folder}](${folder === '.' ? '' : `${folder}/`}results.md), ` +
      `${meta.startedAt.slice(0, 10)}, ${meta.size}, load ${meta.machine.loadAverage1m}`,
  ]);
  writeFileSync(
    path.join(root, ALL_GOALS_FILE),
    [
      '# Ferry benchmark goals',
      '',
      'Every goal, from the newest run that judged it (full size first) among the results kept here. ' +
        'Runs differ in date, commit and machine load: see each run’s report.',
      '',
      table(['Goal', 'Target', 'Actual', 'Result', 'Run'], rows, 2),
      '',
    ].join('\n'),
  );
  return rows.length;
}
