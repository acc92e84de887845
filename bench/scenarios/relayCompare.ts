/** Turns a Ferry and a baseline relay series into table rows, goals and chart panels. */
import os from 'node:os';
import type { ChartPanel, GoalResult, Row, ScenarioId } from '../types.js';
import { ratio, rowMaker } from '../types.js';
import {
  SATURATION_P99_MS,
  describeWriterWork,
  type RelaySeries,
  type RelayStepResult,
} from './relaySeries.js';

/**
 * The physical floor of a durable relay's extra latency, measured in the same run: one node's
 * fdatasync p99, or two nodes' PostgreSQL commit p99 plus a Redis round trip's p99.
 */
export interface LatencyFloor {
  /** Goal id suffix and wording, e.g. "fdatasync p99". */
  id: string;
  label: string;
  p99Ms: number | null;
  /** How it was measured, for the goal's note. */
  detail: string;
}

const CPUS = os.availableParallelism();

export interface RelayComparison {
  rows: Row[];
  goals: GoalResult[];
  charts: ChartPanel[];
  notes: string[];
  /** The offered rate whose latencies are compared (both sides unsaturated there, if possible). */
  referenceRate: number | null;
}

/**
 * Offered rates to compare latency at: those both sides carried comfortably (unsaturated, server
 * under 90% of a core per node); failing that, those both carried unsaturated; failing that, the
 * lowest rate both ran. The reference rate for the table is the highest of them.
 */
export function comparableRates(a: RelaySeries, b: RelaySeries): { rates: number[]; basis: string } {
  const common = (pick: (x: RelayStepResult) => boolean) => {
    const inA = new Set(a.steps.filter(pick).map((x) => x.offeredPerSec));
    return b.steps.filter((x) => pick(x) && inA.has(x.offeredPerSec)).map((x) => x.offeredPerSec);
  };
  const comfortable = common((x) => x.comfortable);
  if (comfortable.length) return { rates: comfortable, basis: 'comfortable' };
  const unsaturated = common((x) => !x.saturated);
  if (unsaturated.length) return { rates: unsaturated, basis: 'unsaturated' };
  const ran = common(() => true);
  return { rates: ran.length ? [Math.min(...ran)] : [], basis: 'lowest' };
}

const at = (s: RelaySeries | undefined, rate: number | null): RelayStepResult | undefined =>
  s?.steps.find((x) => x.offeredPerSec === rate);

export function compareRelay(
  scenario: ScenarioId,
  title: string,
  ferry: RelaySeries | undefined,
  baseline: RelaySeries | undefined,
  goals: boolean,
  floor?: LatencyFloor,
): RelayComparison {
  const notes: string[] = [];
  const cmp = ferry && baseline ? comparableRates(ferry, baseline) : { rates: [], basis: 'none' };
  const ref = { rate: cmp.rates.length ? Math.max(...cmp.rates) : null };
  if (cmp.basis === 'unsaturated')
    notes.push(
      'No offered rate left both servers under 90% CPU; latencies are compared where both were unsaturated.',
    );
  if (cmp.basis === 'lowest')
    notes.push(`No offered rate was carried unsaturated by both; latencies are compared at ${ref.rate}/s.`);
  const fr = at(ferry, ref.rate);
  const br = at(baseline, ref.rate);
  // p99 ratio at every comparable rate; the goal takes the worst of them (no cherry-picking).
  const p99Ratios = cmp.rates
    .map((r) => ({
      rate: r,
      ratio: ratio(at(ferry, r)?.latency.p99 ?? null, at(baseline, r)?.latency.p99 ?? null),
    }))
    .filter((x): x is { rate: number; ratio: number } => x.ratio !== null);
  const worst = p99Ratios.reduce<{ rate: number; ratio: number } | null>(
    (w, x) => (w === null || x.ratio > w.ratio ? x : w),
    null,
  );
  if (p99Ratios.length)
    notes.push(
      `p99 latency Ferry/baseline by offered rate (both comfortable): ${p99Ratios.map((x) => `${x.rate}/s ${x.ratio.toFixed(2)}x`).join(', ')}.`,
    );
  // Where Ferry's extra latency goes: its durable commits beside its event-loop lag, per step.
  const split = (ferry?.steps ?? []).filter((x) => x.commits && x.commits.commits > 0);
  if (split.length)
    notes.push(
      `Ferry's commits and event-loop lag by offered rate (commit times as /metrics buckets): ${split
        .map(
          (x) =>
            `${x.offeredPerSec}/s commit p50 <= ${x.commits!.p50UpToMs ?? '?'} ms, p99 <= ${x.commits!.p99UpToMs ?? '?'} ms ` +
            `(${x.commits!.messagesPerCommit} msgs each), loop lag p99 ${x.loopLag.p99} ms` +
            (x.commits!.checkpoints.runs + x.commits!.searchIndexing.runs > 0
              ? `, between commits ${describeWriterWork(x.commits!, x.window)}`
              : ''),
        )
        .join('; ')}.`,
    );
  // What the servers' other threads cost their main thread: on a pinned core, time on the run queue.
  const threadNotes = [ferry, baseline].flatMap((side) => {
    const steps = (side?.steps ?? []).filter((x) => x.threads);
    return steps.length
      ? [
          `${side!.target === 'ferry' ? 'Ferry' : 'baseline'} ${steps
            .map((x) => `${x.offeredPerSec}/s ${x.threads!.mainWaitMs} ms, ${x.threads!.otherThreadsCpu}`)
            .join('; ')}`,
        ]
      : [];
  });
  if (threadNotes.length)
    notes.push(
      `The servers' main threads' wait for a CPU (ms over the step, runnable but not running) and their other threads' CPU (cores), by offered rate: ${threadNotes.join('. ')}.`,
    );
  // What the durable store itself costs beside the nodes, where it is a process of its own.
  const withDatabase = (ferry?.steps ?? []).filter((x) => x.databaseCpu !== undefined);
  if (withDatabase.length)
    notes.push(
      `CPU of the database processes serving Ferry's nodes, by offered rate (cores, part of the machine's, which the baseline does not pay): ${withDatabase
        .map(
          (x) => `${x.offeredPerSec}/s ${x.databaseCpu}${x.commits ? ` (${x.commits.commits} commits)` : ''}`,
        )
        .join('; ')}.`,
    );
  const row = rowMaker(scenario);
  const rows: Row[] = [
    row(
      'capacity: max offered rate carried unsaturated',
      'msg/s',
      ferry?.maxSustainedPerSec ?? null,
      baseline?.maxSustainedPerSec ?? null,
    ),
    row(
      'peak deliveries/s',
      'msg/s',
      ferry?.peakDeliveredPerSec ?? null,
      baseline?.peakDeliveredPerSec ?? null,
    ),
  ];
  if (ref.rate !== null) {
    for (const p of ['p50', 'p95', 'p99'] as const)
      rows.push(
        row(`${p} latency @ ${ref.rate} msg/s offered`, 'ms', fr?.latency[p] ?? null, br?.latency[p] ?? null),
      );
    rows.push(
      row(`server CPU @ ${ref.rate} msg/s offered`, 'cores', fr?.serverCpu ?? null, br?.serverCpu ?? null),
    );
    if (fr?.databaseCpu !== undefined)
      rows.push(row(`database CPU @ ${ref.rate} msg/s offered`, 'cores', fr.databaseCpu, null));
    rows.push(
      row(`machine CPU @ ${ref.rate} msg/s offered`, 'cores', fr?.machineCpu ?? null, br?.machineCpu ?? null),
    );
  }
  if (worst && worst.rate !== ref.rate)
    rows.push(
      row(
        `p99 latency @ ${worst.rate} msg/s offered (worst ratio)`,
        'ms',
        at(ferry, worst.rate)?.latency.p99 ?? null,
        at(baseline, worst.rate)?.latency.p99 ?? null,
      ),
    );
  const goalList: GoalResult[] = [];
  if (goals) {
    const cap = ratio(ferry?.maxSustainedPerSec ?? null, baseline?.maxSustainedPerSec ?? null);
    goalList.push({
      id: `${scenario}-throughput`,
      scenario,
      label: `${title}: capacity vs baseline (max offered rate carried unsaturated)`,
      target: '>= 0.8x',
      actual: cap,
      unit: 'x',
      pass: cap === null ? null : cap >= 0.8,
      note: capacityNote(ferry, baseline),
    });
    goalList.push({
      id: `${scenario}-p99`,
      scenario,
      label: `${title}: p99 latency vs baseline`,
      target: '<= 2x',
      actual: worst?.ratio ?? null,
      unit: 'x',
      pass: worst === null ? null : worst.ratio <= 2,
      note:
        worst === null
          ? 'no rate both sides ran'
          : `worst of ${p99Ratios.length} offered rates: ${worst.rate} msg/s`,
    });
    if (floor) goalList.push(floorGoal(scenario, title, floor, ferry, baseline, cmp.rates, notes));
  }
  const rates = [
    ...new Set([...(baseline?.steps ?? []), ...(ferry?.steps ?? [])].map((s) => s.offeredPerSec)),
  ].sort((a, b) => a - b);
  const charts: ChartPanel[] = [
    {
      title: `${title}: deliveries/s by offered send rate`,
      unit: 'msg/s',
      groups: rates.map((r) => ({
        label: `${r}/s`,
        ferry: at(ferry, r)?.deliveredPerSec ?? null,
        baseline: at(baseline, r)?.deliveredPerSec ?? null,
      })),
    },
    {
      title: `${title}: p99 latency by offered send rate`,
      unit: 'ms',
      groups: rates.map((r) => ({
        label: `${r}/s`,
        ferry: at(ferry, r)?.latency.p99 ?? null,
        baseline: at(baseline, r)?.latency.p99 ?? null,
      })),
    },
  ];
  for (const s of [baseline, ferry]) {
    // Steps are in rate order: the first saturated one is the lowest rate that saturated the side.
    const saturatedAt = s?.steps.find((x) => x.saturated);
    const last = s?.steps.at(-1);
    if (s && saturatedAt)
      notes.push(
        `${s.target} saturated at ${saturatedAt.offeredPerSec} msg/s offered: ${saturatedAt.saturationReason}.`,
      );
    else if (s && last)
      notes.push(
        `${s.target} carried every offered rate up to ${last.offeredPerSec} msg/s; there its server used ` +
          `${last.serverCpu} cores, the load generators ${last.loadCpu} and the whole machine ${last.machineCpu} ` +
          `(of ${CPUS})` +
          (last.serverCpu >= 0.95 * s.nodes ? ': the server was at the limit of its CPU.' : '.'),
      );
    const bound = s?.steps.find((x) => x.loadCpu > 0.9 && x.serverCpu < 0.9);
    if (s && bound)
      notes.push(
        `${s.target} at ${bound.offeredPerSec}/s: load generators used ${bound.loadCpu} cores and the server ` +
          `${bound.serverCpu}: the load side, not the server, was the limit from there on.`,
      );
  }
  return { rows, goals: goalList, charts, notes, referenceRate: ref.rate };
}

/** The lowest offered rate when a side saturated already there: its capacity is below it, unmeasured. */
const saturatedFirst = (s: RelaySeries): number | null =>
  s.saturated && s.maxSustainedPerSec === 0 ? (s.steps[0]?.offeredPerSec ?? null) : null;

const capacityText = (s: RelaySeries | undefined): string =>
  !s
    ? 'not run'
    : saturatedFirst(s) !== null
      ? `${s.target} saturated at its lowest offered rate, ${saturatedFirst(s)} msg/s (capacity below it: not measured; ` +
        `${s.steps[0]!.saturationReason ?? 'saturated'}; the machine's CPU ${s.steps[0]!.machineCpu} cores)`
      : `${s.target} ${s.saturated ? '' : '>= '}${s.maxSustainedPerSec} msg/s` +
        (s.saturated ? '' : ' (never saturated: a lower bound)') +
        (s.loadBound ? ' (load generators at their CPU limit when it saturated)' : '') +
        (s.crowdedAtSaturation && !s.loadBound
          ? ` (the whole machine was busy when it saturated; its server used ${s.steps.find((x) => x.saturated)?.serverCpu} cores)`
          : '');

/** Both maxima, and whether either is only a lower bound or was set by the load. */
function capacityNote(ferry: RelaySeries | undefined, baseline: RelaySeries | undefined): string {
  return `${capacityText(ferry)}; ${capacityText(baseline)}; saturated = < 99% delivered or p99 > ${SATURATION_P99_MS} ms`;
}

/**
 * Ferry's p99 minus the baseline's at every rate both carried comfortably; the goal takes the
 * worst, as the p99 ratio goal does, so no single quiet step decides it.
 */
function floorGoal(
  scenario: ScenarioId,
  title: string,
  floor: LatencyFloor,
  ferry: RelaySeries | undefined,
  baseline: RelaySeries | undefined,
  rates: number[],
  notes: string[],
): GoalResult {
  const diffs = rates
    .map((r) => {
      const f = at(ferry, r)?.latency.p99;
      const b = at(baseline, r)?.latency.p99;
      return f === undefined || b === undefined ? null : { rate: r, ms: Math.round((f - b) * 100) / 100 };
    })
    .filter((x): x is { rate: number; ms: number } => x !== null);
  const worst = diffs.reduce<{ rate: number; ms: number } | null>(
    (w, x) => (!w || x.ms > w.ms ? x : w),
    null,
  );
  if (diffs.length)
    notes.push(
      `p99 latency Ferry - baseline by offered rate: ${diffs.map((d) => `${d.rate}/s ${d.ms} ms`).join(', ')}; ` +
        `${floor.label}: ${floor.p99Ms ?? '-'} ms (${floor.detail}).`,
    );
  const judged = worst !== null && floor.p99Ms !== null;
  return {
    id: `${scenario}-p99-over-${floor.id}`,
    scenario,
    label: `${title}: p99 latency - baseline's p99 vs ${floor.label}`,
    target: `<= ${floor.p99Ms ?? '?'} ms`,
    actual: worst?.ms ?? null,
    unit: 'ms',
    pass: judged ? worst.ms <= floor.p99Ms! : null,
    note: !worst
      ? 'no rate both sides carried'
      : floor.p99Ms === null
        ? `${floor.label} could not be measured`
        : `worst of ${diffs.length} offered rates: ${worst.rate} msg/s; ${floor.label} ${floor.p99Ms} ms (${floor.detail})`,
  };
}
