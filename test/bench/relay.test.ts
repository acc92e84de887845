/** The one-node relay scenarios at the tiny size: relay, durable sends, idle capacity, profile. */
import { describe, expect, it } from 'vitest';
import { SCENARIO_IDS } from '../../bench/types';
import type { CapacityResult } from '../../bench/scenarios/capacity';
import type { DurableResult } from '../../bench/scenarios/durable';
import type { ProfileResult } from '../../bench/scenarios/profile';
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

const run = tinyRun(SMOKE_GROUPS.relay);

describe('npm run bench at the tiny size: one-node relay', () => {
  it('is one of smoke groups that together run every scenario once', () => {
    const grouped: string[] = Object.values(SMOKE_GROUPS).flat();
    expect([...grouped].sort()).toEqual([...SCENARIO_IDS].sort());
  });

  it('measures relay deliveries and latency for Ferry and the baseline, with ratios', () => {
    const s = run.scenario('relay');
    const data = s.data as {
      ferry: RelaySeries | null;
      baseline: RelaySeries | null;
      fdatasync: LatencySummary | null;
    };
    expectRelaySeries(data.ferry, 1);
    expectRelaySeries(data.baseline, 1);
    // Ferry's durable commits of each step are read from its /metrics; the baseline has none.
    for (const step of data.ferry!.steps) {
      expect(step.commits!.commits).toBeGreaterThan(0);
      expect(step.commits!.messagesPerCommit).toBeGreaterThanOrEqual(1);
    }
    for (const step of data.baseline!.steps) expect(step.commits).toBeNull();
    // So is the writer's work between commits (idle within a second of a commit): a batch arriving
    // meanwhile waits for it, outside the commit's time.
    for (const work of ['checkpoints', 'searchIndexing'] as const) {
      const runs = data.ferry!.steps.map((step) => step.commits![work]);
      expect(
        runs.reduce((a, w) => a + w.runs, 0),
        work,
      ).toBeGreaterThan(0);
      expect(
        runs.reduce((a, w) => a + w.totalMs, 0),
        work,
      ).toBeGreaterThan(0);
    }
    // Each server's threads per step (Linux /proc): its main thread's wait for a CPU, and the CPU of
    // its other threads, where Ferry's SQLite writer works.
    for (const side of [data.ferry!, data.baseline!])
      for (const step of side.steps) {
        expect(step.threads!.mainWaitMs).toBeGreaterThanOrEqual(0);
        expect(step.threads!.otherThreadsCpu).toBeGreaterThanOrEqual(0);
      }
    expect(data.ferry!.steps.reduce((a, step) => a + step.threads!.otherThreadsCpu, 0)).toBeGreaterThan(0);
    const peak = s.rows.find((r) => r.metric === 'peak deliveries/s');
    expect(positive(peak?.ratio)).toBe(true);
    expectProbe(data.fdatasync);
  });

  it('counts acknowledged durable sends per second and per server CPU-second on both sides', () => {
    const data = run.scenario('durable').data as {
      ferry: DurableResult | null;
      baseline: DurableResult | null;
    };
    for (const d of [data.ferry, data.baseline]) {
      expect(d).not.toBeNull();
      expect(d!.ackFailed).toBe(0);
      for (const v of [d!.acked, d!.acksPerSec, d!.acksPerCpuSecond, d!.ackLatency.p99])
        expect(positive(v)).toBe(true);
    }
  });

  it('measures server memory at every idle-connection level for both servers', () => {
    const data = run.scenario('capacity').data as {
      levels: number[];
      ferry: CapacityResult | null;
      baseline: CapacityResult | null;
    };
    for (const c of [data.ferry, data.baseline]) {
      expect(c!.levels.map((l) => l.connections)).toEqual(data.levels);
      expect(positive(c!.baseRss)).toBe(true);
      for (const l of c!.levels) {
        expect(positive(l.rss)).toBe(true);
        // RSS moves in pages: at a few hundred connections the per-connection share may round to 0.
        expect(Number.isFinite(l.rssPerConnection)).toBe(true);
      }
    }
  });

  it('profiles both servers under relay load and ranks their functions by self time', () => {
    const data = run.scenario('profile').data as ProfileResult;
    for (const side of [data.ferry, data.baseline]) {
      expectRelaySeries(side.series, 1);
      const p = side.profile!;
      expect(positive(p.busyMs)).toBe(true);
      expect(p.busyMs).toBeLessThanOrEqual(p.totalMs);
      expect(p.hotSpots.length).toBeGreaterThan(0);
      expect(p.areas.length).toBeGreaterThan(0);
      for (const h of p.hotSpots) expect(h.share > 0 && h.share <= 1, JSON.stringify(h)).toBe(true);
    }
  });

  itReportsTheRun(run);
});
