/**
 * Scenario 6, noisy disk: the relay of scenario 1 while a neighbour process writes and fdatasyncs
 * in a loop on the filesystem Ferry's SQLite file lives on. Ferry runs the stepped relay twice,
 * on a quiet disk and beside the neighbour; the baseline (which touches no disk) runs beside the
 * neighbour too. What it shows: whether a slow disk slows Ferry's event loop (it must not: the
 * store commits on its own thread), how much throughput Ferry keeps, and whether Ferry's extra
 * latency stays within what one fdatasync costs on that disk at that moment.
 */
import os from 'node:os';
import path from 'node:path';
import { Histogram, summarize, type LatencySummary } from '../lib/histogram.js';
import { startDiskNoise, type DiskNoise } from '../load/noise.js';
import { plural } from '../report/format.js';
import { startBaseline } from '../targets/baseline.js';
import { startFerry } from '../targets/ferry.js';
import type { ChartPanel, GoalResult, Row } from '../types.js';
import { ratio, rowMaker, type BenchContext, type ScenarioOutput } from '../types.js';
import { comparableRates } from './relayCompare.js';
import { runRelaySeries, type RelaySeries } from './relaySeries.js';
import { onTarget, sideErrors } from './sides.js';

export interface NoisyDiskResult {
  ferryQuiet: RelaySeries | null;
  ferryNoisy: RelaySeries | null;
  baselineNoisy: RelaySeries | null;
  /** The neighbour's fdatasync times while Ferry and the baseline ran beside it. */
  fdatasync: LatencySummary | null;
  noiseWrites: number;
}

const SCENARIO = 'noisy-disk' as const;
const CPUS = os.availableParallelism();
const LAG_GOAL_MS = 10;

export async function noisyDiskScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const p = ctx.params.noisyDisk;
  ctx.log(
    `noisy disk: ${p.conversations} conversations x (${plural(p.sendersPerConversation, 'sender')} + ${plural(p.receiversPerConversation, 'receiver')}), ` +
      `Ferry quiet, Ferry beside the neighbour, baseline beside the neighbour`,
  );
  const cpus = ctx.pinning.serverCpus;
  const syncs = new Histogram();
  let noiseWrites = 0;
  let noise: DiskNoise | undefined;
  const startNoise = async () => {
    noise = startDiskNoise({ dir: ctx.tmpDir, logDir: ctx.logDir, cpus: ctx.pinning.loadCpus });
    await noise.take(); // running: it answers between two rounds
  };
  const takeNoise = async () => {
    const stats = await noise!.take();
    syncs.merge(stats.fdatasync);
    noiseWrites = stats.writes;
  };

  let ferryQuiet: RelaySeries | undefined;
  const ferry = await onTarget(
    () => startFerry({ logDir: ctx.logDir, dataDir: path.join(ctx.tmpDir, 'ferry'), cpus }),
    async (t) => {
      ferryQuiet = await runRelaySeries(t, p, ctx, { retryCrowded: true });
      await startNoise();
      const noisy = await runRelaySeries(t, p, ctx, { retryCrowded: true });
      await takeNoise();
      return noisy;
    },
  );
  let baseline;
  try {
    baseline = await onTarget(
      () => startBaseline({ logDir: ctx.logDir, cpus }),
      async (t) => {
        if (!noise) await startNoise();
        await noise!.take(); // only what happens beside the baseline from here
        const noisy = await runRelaySeries(t, p, ctx, { retryCrowded: true });
        await takeNoise();
        return noisy;
      },
    );
  } finally {
    await noise?.stop();
  }

  const data: NoisyDiskResult = {
    ferryQuiet: ferryQuiet ?? null,
    ferryNoisy: ferry.value ?? null,
    baselineNoisy: baseline.value ?? null,
    fdatasync: syncs.n > 0 ? summarize(syncs) : null,
    noiseWrites,
  };
  const judged = judge(data);
  return {
    ...judged,
    notes: [
      `${p.conversations} conversations, each with ${plural(p.sendersPerConversation, 'sender')} and ${plural(p.receiversPerConversation, 'receiver')}; ` +
        `${p.stepMs / 1000} s per offered rate. The neighbour writes 256 KiB blocks and fdatasyncs after each, ` +
        `in a loop, in the same folder as Ferry's SQLite file (${noiseWrites} rounds in all); it is pinned with the load generators, not the server.`,
      ...judged.notes,
    ],
    errors: sideErrors({ ferry, baseline }),
    data,
  };
}

const at = (s: RelaySeries | null, rate: number) => s?.steps.find((x) => x.offeredPerSec === rate);

/** Rows, goals and charts from the three series and the neighbour's fdatasync times. */
function judge(d: NoisyDiskResult): Pick<ScenarioOutput, 'rows' | 'goals' | 'charts' | 'notes'> {
  const notes: string[] = [];
  const quietPeak = d.ferryQuiet?.peakDeliveredPerSec ?? null;
  const noisyPeak = d.ferryNoisy?.peakDeliveredPerSec ?? null;
  const syncP99 = d.fdatasync?.p99 ?? null;

  // Event-loop lag over the steps Ferry carried comfortably (server and machine under 90% CPU),
  // else over those it carried: a CPU-bound step measures the CPU, not the disk.
  const judgedSteps = (s: RelaySeries | null) => {
    const comfortable = (s?.steps ?? []).filter((x) => x.comfortable);
    if (comfortable.length) return { steps: comfortable, basis: 'comfortable' };
    return { steps: (s?.steps ?? []).filter((x, i) => !x.saturated || i === 0), basis: 'carried' };
  };
  const worstLag = (s: RelaySeries | null) => {
    const { steps } = judgedSteps(s);
    return steps.length ? Math.max(...steps.map((x) => x.loopLag.p99)) : null;
  };
  const ferryLag = worstLag(d.ferryNoisy);
  const lagBasis = judgedSteps(d.ferryNoisy).basis;
  const series = [
    { name: 'Ferry, quiet disk', s: d.ferryQuiet },
    { name: 'Ferry, beside the neighbour', s: d.ferryNoisy },
    { name: 'baseline, beside the neighbour', s: d.baselineNoisy },
  ];
  for (const { name, s } of series)
    if (s?.steps.length)
      notes.push(
        `${name}: event-loop lag p99 by offered rate ` +
          s.steps
            .map((x) => `${x.offeredPerSec}/s ${x.loopLag.p99} ms${x.comfortable ? '' : ' †'}`)
            .join(', ') +
          '.',
      );
  notes.push('† not comfortable: saturated, or the server or the whole machine above 90% CPU.');
  const rerun = series.flatMap(({ name, s }) =>
    (s?.discardedSteps ?? []).map((x) => `${name} ${x.offeredPerSec}/s (machine ${x.machineCpu} CPUs busy)`),
  );
  if (rerun.length)
    notes.push(
      `Run once more because they saturated while the whole machine was busy (the first runs are in results.json): ${rerun.join(', ')}.`,
    );

  // On a machine whose CPUs are all busy, lag and latency measure CPU starvation, not the disk.
  const crowded = series.flatMap(({ name, s }) =>
    (s?.steps ?? [])
      .filter((step) => step.machineCpu >= 0.95 * CPUS)
      .map((step) => `${name} ${step.offeredPerSec}/s`),
  );
  if (crowded.length)
    notes.push(
      `All ${CPUS} CPUs of the machine were busy during ${crowded.length} steps (${crowded.join(', ')}): ` +
        'there lag and latency measure CPU starvation from other processes as much as the disk; ' +
        "the baseline's event-loop lag, which touches no disk, shows how much.",
    );

  // p99 Ferry - baseline at every rate both carried beside the neighbour; the goal takes the worst.
  const cmp =
    d.ferryNoisy && d.baselineNoisy
      ? comparableRates(d.ferryNoisy, d.baselineNoisy)
      : { rates: [] as number[], basis: 'none' };
  const diffs = cmp.rates
    .map((r) => {
      const f = at(d.ferryNoisy, r)?.latency.p99;
      const b = at(d.baselineNoisy, r)?.latency.p99;
      return f === undefined || b === undefined ? null : { rate: r, diff: Math.round((f - b) * 100) / 100 };
    })
    .filter((x): x is { rate: number; diff: number } => x !== null);
  const worst = diffs.reduce<{ rate: number; diff: number } | null>(
    (w, x) => (w === null || x.diff > w.diff ? x : w),
    null,
  );
  if (diffs.length)
    notes.push(
      `p99 latency Ferry − baseline beside the neighbour, by offered rate (${cmp.basis}): ` +
        `${diffs.map((x) => `${x.rate}/s ${x.diff} ms`).join(', ')}; the neighbour's fdatasync p99 ${syncP99} ms, max ${d.fdatasync?.max} ms.`,
    );
  const ref = worst?.rate ?? null;

  const row = rowMaker(SCENARIO);
  const rows: Row[] = [
    row('peak deliveries/s, quiet disk', 'msg/s', quietPeak, null),
    row('peak deliveries/s, noisy disk', 'msg/s', noisyPeak, d.baselineNoisy?.peakDeliveredPerSec ?? null),
    row(`event-loop lag p99, noisy disk (worst ${lagBasis} step)`, 'ms', ferryLag, worstLag(d.baselineNoisy)),
    row("neighbour's fdatasync p99", 'ms', syncP99, null),
  ];
  if (ref !== null)
    rows.push(
      row(
        `p99 latency @ ${ref} msg/s offered, noisy disk`,
        'ms',
        at(d.ferryNoisy, ref)?.latency.p99 ?? null,
        at(d.baselineNoisy, ref)?.latency.p99 ?? null,
      ),
    );

  const throughput = ratio(noisyPeak, quietPeak);
  const goals: GoalResult[] = [
    {
      id: `${SCENARIO}-throughput`,
      scenario: SCENARIO,
      label: 'Noisy disk: Ferry throughput vs its own on a quiet disk',
      target: '>= 0.8x',
      actual: throughput,
      unit: 'x',
      pass: throughput === null ? null : throughput >= 0.8,
    },
    {
      id: `${SCENARIO}-loop-lag`,
      scenario: SCENARIO,
      label: 'Noisy disk: Ferry event-loop lag p99',
      target: `<= ${LAG_GOAL_MS} ms`,
      actual: ferryLag,
      unit: 'ms',
      pass: ferryLag === null ? null : ferryLag <= LAG_GOAL_MS,
      note: `worst ${lagBasis} step beside the neighbour`,
    },
    {
      id: `${SCENARIO}-p99`,
      scenario: SCENARIO,
      label: 'Noisy disk: Ferry p99 − baseline p99 vs the disk’s fdatasync p99',
      target: `<= fdatasync p99 (${syncP99 ?? '?'} ms)`,
      actual: worst?.diff ?? null,
      unit: 'ms',
      pass: worst === null || syncP99 === null ? null : worst.diff <= syncP99,
      note:
        worst === null
          ? 'no rate both sides ran'
          : `worst of ${diffs.length} offered rates: ${worst.rate} msg/s`,
    },
  ];

  const rates = [
    ...new Set(
      [...(d.baselineNoisy?.steps ?? []), ...(d.ferryNoisy?.steps ?? [])].map((s) => s.offeredPerSec),
    ),
  ].sort((a, b) => a - b);
  const charts: ChartPanel[] = [
    {
      title: 'Noisy disk: deliveries/s by offered send rate, beside the neighbour',
      unit: 'msg/s',
      groups: rates.map((r) => ({
        label: `${r}/s`,
        ferry: at(d.ferryNoisy, r)?.deliveredPerSec ?? null,
        baseline: at(d.baselineNoisy, r)?.deliveredPerSec ?? null,
      })),
    },
  ];
  return { rows, goals, charts, notes };
}
