/**
 * Runs some benchmark scenarios at the tiny size into a temp folder and checks what every run must
 * hold (rows finite, goals judged or explained, JSON, Markdown and chart written). The scenarios are
 * split over several files so Vitest runs the slow ones side by side; `SMOKE_GROUPS` must cover
 * every scenario once. No speed is judged here: goals live only in `npm run bench`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseOptions, type BenchOptions } from '../../../bench/cli';
import { RESULT_FILES, runBench } from '../../../bench/runBench';
import { ALL_GOALS_FILE, writeAllGoals } from '../../../bench/report/allGoals';
import { SCENARIO_IDS, type BenchResults, type ScenarioId, type ScenarioResult } from '../../../bench/types';
import type { RelaySeries } from '../../../bench/scenarios/relaySeries';
import type { LatencySummary } from '../../../bench/lib/histogram';
import { PG_URL } from '../../scale/support/postgres';
import { REDIS_URL } from '../../scale/support/redis';

/** Which scenarios each smoke file runs: together, every scenario once. */
export const SMOKE_GROUPS = {
  relay: ['relay', 'durable', 'capacity', 'profile'],
  cluster: ['cluster', 'noisy-disk'],
  client: ['client', 'feel', 'upload'],
  accounts: ['search', 'big-account', 'long-offline'],
} as const satisfies Record<string, readonly ScenarioId[]>;

/** The goals each scenario judges, by id. */
export const GOALS_BY_SCENARIO: Record<ScenarioId, readonly string[]> = {
  relay: ['relay-throughput', 'relay-p99', 'relay-p99-over-fdatasync'],
  durable: [],
  capacity: ['capacity-memory'],
  cluster: ['cluster-throughput', 'cluster-p99', 'cluster-p99-over-commit'],
  client: ['client-js', 'client-offline', 'client-replay'],
  'noisy-disk': ['noisy-disk-throughput', 'noisy-disk-loop-lag', 'noisy-disk-p99'],
  search: [
    'search-device-build',
    'search-device-query',
    'search-device-size',
    'search-sqlite-query',
    'search-postgres-query',
  ],
  feel: ['feel-idle-p50', 'feel-idle-p99', 'feel-load-p50', 'feel-load-p99'],
  upload: ['upload-resume'],
  'big-account': ['big-account-open', 'big-account-scroll', 'big-account-memory'],
  'long-offline': ['long-offline-catch-up'],
  profile: [],
};

/** A tiny run of `only`, made once before the file's tests; `results` is set when they run. */
export interface TinyRun {
  readonly only: readonly ScenarioId[];
  readonly outDir: string;
  readonly results: BenchResults;
  /** The scenario's result, failing with its errors and the run's log if it did not end ok. */
  scenario(id: ScenarioId): ScenarioResult;
}

/** Registers hooks that run `only` at the tiny size into a temp folder (removed after). */
export function tinyRun(only: readonly ScenarioId[]): TinyRun {
  let outDir = '';
  let results: BenchResults | null = null;
  const logLines: string[] = [];
  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'ferry-bench-smoke-'));
    // The tests' PostgreSQL and Redis, never the benchmark's defaults (the system ones).
    const opts = parseOptions(
      [
        '--size',
        'tiny',
        '--out',
        outDir,
        '--only',
        only.join(','),
        '--postgres',
        PG_URL,
        '--redis',
        REDIS_URL,
      ],
      process.env,
    ) as BenchOptions;
    results = await runBench(opts, (line) => logLines.push(line));
  }, 900_000);
  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });
  return {
    only,
    get outDir() {
      return outDir;
    },
    get results() {
      if (!results) throw new Error('the tiny bench run has not finished');
      return results;
    },
    scenario(id) {
      const s = this.results.scenarios.find((x) => x.id === id);
      if (!s) throw new Error(`scenario ${id} missing from the results`);
      // A failed scenario fails here with its own errors and the run's log, never silently.
      expect(s.errors, `${id} failed:\n${logLines.join('\n')}`).toEqual([]);
      expect(s.status).toBe('ok');
      return s;
    },
  };
}

/** A finite number above zero. */
export const positive = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0;

/** A relay series on `nodes` nodes: every step delivered all, with sane numbers and capacity. */
export function expectRelaySeries(s: RelaySeries | null, nodes: number): void {
  expect(s).not.toBeNull();
  expect(s!.nodes).toBe(nodes);
  expect(s!.steps.length).toBeGreaterThan(0);
  for (const step of s!.steps) {
    expect(step.delivered).toBe(step.expectedDeliveries);
    expect(step.ackFailed).toBe(0);
    for (const v of [
      step.deliveredPerSec,
      step.latency.p50,
      step.latency.p95,
      step.latency.p99,
      step.ackLatency.p50,
    ])
      expect(positive(v), JSON.stringify(step)).toBe(true);
    expect(step.latency.p50).toBeLessThanOrEqual(step.latency.p99);
  }
  expect(positive(s!.peakDeliveredPerSec)).toBe(true);
  // Capacity is the highest offered rate before the first saturated step (0 if that was the first).
  const firstSaturated = s!.steps.findIndex((x) => x.saturated);
  expect(s!.saturated).toBe(firstSaturated >= 0);
  expect(s!.maxSustainedPerSec).toBe(
    firstSaturated === 0
      ? 0
      : s!.steps[(firstSaturated < 0 ? s!.steps.length : firstSaturated) - 1].offeredPerSec,
  );
  for (const step of s!.steps) expect(Number.isFinite(step.loadCpu), JSON.stringify(step)).toBe(true);
}

/** A latency probe's summary: some operations timed, percentiles in order. */
export function expectProbe(p: LatencySummary | null | undefined): void {
  expect(p?.n).toBeGreaterThan(0);
  expect(positive(p!.p50)).toBe(true);
  expect(p!.p50).toBeLessThanOrEqual(p!.p99);
}

/** The tests every run's report must pass: order, rows, goals, the goals table and the files. */
export function itReportsTheRun(run: TinyRun): void {
  it('runs the chosen scenarios in the canonical order and reports each one', () => {
    expect(run.results.scenarios.map((s) => s.id)).toEqual(
      SCENARIO_IDS.filter((id) => run.only.includes(id)),
    );
    expect(run.results.meta.size).toBe('tiny');
  });

  it('gives every table row finite numbers and every goal a judged or explained result', () => {
    for (const s of run.results.scenarios) {
      expect(s.rows.length, s.id).toBeGreaterThan(0);
      for (const row of s.rows) {
        expect(Number.isFinite(row.ferry), `${s.id} ${row.metric}`).toBe(true);
        if (row.baseline !== null) expect(Number.isFinite(row.baseline), `${s.id} ${row.metric}`).toBe(true);
      }
    }
    expect(run.results.goals.map((g) => g.id).sort()).toEqual(
      run.only.flatMap((id) => GOALS_BY_SCENARIO[id]).sort(),
    );
    for (const g of run.results.goals) {
      if (g.pass === null) expect(g.note, g.id).toBeTruthy();
      // The one goal left without a number: a capacity ratio when a side saturated at its lowest
      // offered rate (a loaded machine can do that to the tiny run), which its note then says.
      if (g.id.endsWith('-throughput') && g.pass === null && /lowest offered rate/.test(g.note ?? ''))
        continue;
      expect(Number.isFinite(g.actual), g.id).toBe(true);
    }
  });

  it('lists every goal of the runs in a results folder in one table', () => {
    expect(writeAllGoals(run.outDir)).toBe(run.results.goals.length);
    const md = readFileSync(path.join(run.outDir, ALL_GOALS_FILE), 'utf8');
    for (const g of run.results.goals) expect(md).toContain(`| ${g.label} | ${g.target} |`);
  });

  it('writes the results as JSON, Markdown and an SVG chart', () => {
    const json = JSON.parse(readFileSync(path.join(run.outDir, RESULT_FILES.json), 'utf8')) as BenchResults;
    expect(json.scenarios.map((s) => s.id)).toEqual(run.results.scenarios.map((s) => s.id));
    const md = readFileSync(path.join(run.outDir, RESULT_FILES.markdown), 'utf8');
    expect(md).toContain('# Ferry benchmark results');
    expect(md).toContain(`](${RESULT_FILES.chart})`);
    for (const s of run.results.scenarios) expect(md).toContain(`## ${s.title}`);
    const svg = readFileSync(path.join(run.outDir, RESULT_FILES.chart), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThan(0);
  });
}
