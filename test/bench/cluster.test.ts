/** The disk- and cluster-bound scenarios at the tiny size: two nodes, and a noisy neighbour disk. */
import { describe, expect, it } from 'vitest';
import type { NoisyDiskResult } from '../../bench/scenarios/noisyDisk';
import type { RelaySeries } from '../../bench/scenarios/relaySeries';
import type { LatencySummary } from '../../bench/lib/histogram';
import {
  SMOKE_GROUPS,
  expectProbe,
  expectRelaySeries,
  itReportsTheRun,
  positive,
  tinyRun,
} from './support/tinyBench';

const run = tinyRun(SMOKE_GROUPS.cluster);

describe('npm run bench at the tiny size: two nodes and a noisy disk', () => {
  it('runs the relay on two nodes with PostgreSQL and Redis for both sides', () => {
    const data = run.scenario('cluster').data as {
      ferry: RelaySeries | null;
      baseline: RelaySeries | null;
      pgCommit: LatencySummary | null;
      redisRtt: LatencySummary | null;
    };
    expectRelaySeries(data.ferry, 2);
    expectRelaySeries(data.baseline, 2);
    expectProbe(data.pgCommit);
    expectProbe(data.redisRtt);
  });

  it("measures the CPU of PostgreSQL's processes serving Ferry's nodes, which the baseline does not have", () => {
    const data = run.scenario('cluster').data as { ferry: RelaySeries; baseline: RelaySeries };
    for (const step of data.ferry.steps)
      expect(Number.isFinite(step.databaseCpu) && step.databaseCpu! >= 0, JSON.stringify(step)).toBe(true);
    for (const step of data.baseline.steps) expect(step.databaseCpu).toBeUndefined();
    const rows = run.scenario('cluster').rows.filter((r) => r.metric.startsWith('database CPU @'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ferry).toBeGreaterThanOrEqual(0);
    expect(rows[0]!.baseline).toBeNull();
  });

  it('runs the relay on a quiet disk and beside a write + fdatasync neighbour, timing its fdatasyncs', () => {
    const data = run.scenario('noisy-disk').data as NoisyDiskResult;
    expectRelaySeries(data.ferryQuiet, 1);
    expectRelaySeries(data.ferryNoisy, 1);
    expectRelaySeries(data.baselineNoisy, 1);
    for (const step of [...data.ferryQuiet!.steps, ...data.ferryNoisy!.steps, ...data.baselineNoisy!.steps])
      for (const v of [step.loopLag.p50, step.loopLag.p99, step.loopLag.max])
        expect(Number.isFinite(v) && v >= 0, JSON.stringify(step.loopLag)).toBe(true);
    expect(data.noiseWrites).toBeGreaterThan(0);
    expect(data.fdatasync!.n).toBeGreaterThan(0);
    expect(positive(data.fdatasync!.p99)).toBe(true);
  });

  itReportsTheRun(run);
});
