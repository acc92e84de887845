/** Shapes shared by the runner, the scenarios and the reports. */
import type { Pinning } from './lib/system.js';
import type { SizeParams } from './sizes.js';

export type Size = 'tiny' | 'full';
export const SCENARIO_IDS = [
  'relay',
  'durable',
  'capacity',
  'cluster',
  'client',
  'noisy-disk',
  'search',
  'feel',
  'upload',
  'big-account',
  'long-offline',
  'profile',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** Everything a scenario needs from the runner. */
export interface BenchContext {
  size: Size;
  params: SizeParams;
  pinning: Pinning;
  /** Open-file limit in force (children inherit it). */
  fileLimit: number;
  /** Scratch space for this run (data dirs, logs); removed at the end unless --keep. */
  tmpDir: string;
  logDir: string;
  /** A built page to serve (client scenario); built privately when unset. */
  webDist?: string;
  /** PostgreSQL and Redis for the cluster scenario. */
  postgresUrl: string;
  redisUrl: string;
  /** Aborted when the scenario's time is up. */
  signal: AbortSignal;
  log(message: string): void;
}

/** One line of the summary table: a metric for Ferry and the baseline. */
export interface Row {
  scenario: ScenarioId;
  metric: string;
  unit: string;
  ferry: number | null;
  baseline: number | null;
  /** ferry / baseline, when both exist. */
  ratio: number | null;
}

/** A goal the project set itself, judged by the bench (never by a test). */
export interface GoalResult {
  id: string;
  scenario: ScenarioId;
  label: string;
  /** Human-readable target, e.g. ">= 0.8x baseline". */
  target: string;
  actual: number | null;
  unit: string;
  pass: boolean | null;
  note?: string;
}

/** Bars for the chart: one group per label, one bar per series (Ferry, baseline). */
export interface ChartPanel {
  title: string;
  unit: string;
  groups: Array<{ label: string; ferry: number | null; baseline: number | null }>;
  /** A horizontal goal line, when the panel has one. */
  goal?: { value: number; label: string };
}

export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped (one line per part). */
  errors: string[];
  durationMs: number;
  notes: string[];
  rows: Row[];
  goals: GoalResult[];
  charts: ChartPanel[];
  /** Everything measured, for the JSON file. */
  data: unknown;
}

/** What a scenario returns (the runner adds id, title, status, timing). */
export type ScenarioOutput = Pick<ScenarioResult, 'notes' | 'rows' | 'goals' | 'charts' | 'data'> & {
  /** Parts that could not run (e.g. one side failed); the scenario is then reported as failed. */
  errors?: string[];
};

export interface BenchResults {
  meta: {
    startedAt: string;
    durationMs: number;
    size: Size;
    scenarios: ScenarioId[];
    commit: string;
    machine: Record<string, string | number>;
    pinning: string;
    fileLimit: number;
    command: string;
  };
  scenarios: ScenarioResult[];
  goals: GoalResult[];
}

export function ratio(ferry: number | null, baseline: number | null): number | null {
  if (
    ferry === null ||
    baseline === null ||
    !Number.isFinite(ferry) ||
    !Number.isFinite(baseline) ||
    baseline === 0
  )
    return null;
  return Math.round((ferry / baseline) * 1000) / 1000;
}

/** Row maker for a scenario that measures Ferry alone (no baseline column). */
export function ferryOnlyRow(scenario: ScenarioId): (metric: string, unit: string, v: number | null) => Row {
  return (metric, unit, v) => ({ scenario, metric, unit, ferry: v, baseline: null, ratio: null });
}

/** A maker of one scenario's table rows: metric, unit, Ferry's and the baseline's values, ratio added. */
export function rowMaker(scenario: ScenarioId) {
  return (metric: string, unit: string, ferry: number | null, baseline: number | null): Row => ({
    scenario,
    metric,
    unit,
    ferry,
    baseline,
    ratio: ratio(ferry, baseline),
  });
}
