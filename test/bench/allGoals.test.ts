import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALL_GOALS_FILE, isWithin, writeAllGoals } from '../../bench/report/allGoals';
import type { BenchResults, GoalResult } from '../../bench/types';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ferry-all-goals-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function goal(id: string, actual: number): GoalResult {
  return {
    id,
    scenario: 'relay',
    label: `Goal ${id}`,
    target: '<= 1',
    actual,
    unit: 'ms',
    pass: actual <= 1,
  };
}

/** Keeps a run judging `goals` in `folder` under the results root. */
function keepRun(folder: string, startedAt: string, size: 'full' | 'tiny', goals: GoalResult[]): void {
  const dir = path.join(root, folder);
  mkdirSync(dir, { recursive: true });
  const run = { meta: { startedAt, size, machine: { loadAverage1m: 0.5 } }, scenarios: [], goals };
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify(run as unknown as BenchResults));
}

describe('the table of every goal', () => {
  it('gathers runs kept at any depth under the results folder, linking each', () => {
    keepRun('.', '2026-11-30T10:00:00Z', 'full', [goal('relay', 0.5)]);
    keepRun('client', '2026-11-30T11:00:00Z', 'full', [goal('first-load', 2)]);
    keepRun('accounts/big-account', '2026-11-30T12:00:00Z', 'full', [goal('big-open', 0.7)]);
    expect(writeAllGoals(root)).toBe(3);
    const md = readFileSync(path.join(root, ALL_GOALS_FILE), 'utf8');
    expect(md).toContain('| Goal big-open | <= 1 |');
    expect(md).toContain('[accounts/big-account](accounts/big-account/results.md)');
    expect(md).toContain('[client](client/results.md)');
    expect(md).toContain('[results](results.md)');
  });

  it('takes each goal from the newest full-size run, before any tiny one', () => {
    keepRun('a', '2026-11-30T10:00:00Z', 'full', [goal('x', 3)]);
    keepRun('b/c', '2026-11-30T12:00:00Z', 'full', [goal('x', 0.25)]);
    keepRun('d', '2026-11-30T13:00:00Z', 'tiny', [goal('x', 9)]);
    writeAllGoals(root);
    const md = readFileSync(path.join(root, ALL_GOALS_FILE), 'utf8');
    expect(md).toContain('[b/c](b/c/results.md)');
    expect(md).not.toContain('[d](d/results.md)');
  });

  it('knows which output folders are inside the results folder', () => {
    expect(isWithin('/r/results', '/r/results')).toBe(true);
    expect(isWithin('/r/results', '/r/results/accounts/big-account')).toBe(true);
    expect(isWithin('/r/results', '/r/results-old')).toBe(false);
    expect(isWithin('/r/results', '/tmp/bench')).toBe(false);
  });
});
