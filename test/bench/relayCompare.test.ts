/** Judging the relay goals from both sides' steps (bench/scenarios/relayCompare.ts). */
import { describe, expect, it } from 'vitest';
import { compareRelay } from '../../bench/scenarios/relayCompare';
import {
  capacityBounds,
  describeWriterWork,
  type RelaySeries,
  type RelayStepResult,
} from '../../bench/scenarios/relaySeries';

const latency = (p99: number) => ({ n: 1000, p50: p99 / 4, p95: p99 / 2, p99, max: p99 * 2 });

/** A step at `rate` with p99 `p99` ms: saturated past 100 ms, as the bench judges. */
function step(rate: number, p99: number): RelayStepResult {
  const saturated = p99 > 100;
  return {
    offeredPerSec: rate,
    sent: rate,
    acked: rate,
    ackFailed: 0,
    errors: {},
    delivered: rate * 8,
    expectedDeliveries: rate * 8,
    deliveredPerSec: rate * 8,
    deliveryRatio: 1,
    latency: latency(p99),
    ackLatency: latency(p99),
    serverCpu: 0.5,
    machineCpu: 1.2,
    comfortable: !saturated,
    loopLag: { p50: 1, p99: 5, max: 10 },
    commits: null,
    loadCpu: 0.4,
    window: { fromUs: 0, toUs: 1 },
    saturated,
    ...(saturated ? { saturationReason: `p99 ${p99} ms > 100 ms` } : {}),
  };
}

function series(target: string, steps: RelayStepResult[]): RelaySeries {
  const { carried, saturatedAt } = capacityBounds(steps);
  return {
    target,
    nodes: 1,
    connections: 100,
    steps,
    peakDeliveredPerSec: Math.max(...steps.map((s) => s.deliveredPerSec)),
    maxSustainedPerSec: carried,
    saturated: saturatedAt !== null,
    loadBound: false,
    crowdedAtSaturation: false,
  };
}

describe('relay goals', () => {
  it('judges capacity as the ratio of the highest rates each side carried', () => {
    const ferry = series('ferry', [step(500, 5), step(1000, 8), step(2000, 150)]);
    const baseline = series('baseline', [step(500, 2), step(1000, 3), step(2000, 4), step(4000, 200)]);
    const goal = compareRelay('relay', 'Relay', ferry, baseline, true).goals.find(
      (g) => g.id === 'relay-throughput',
    )!;
    expect(goal.actual).toBe(0.5);
    expect(goal.pass).toBe(false);
  });

  it('leaves capacity unjudged, saying why, when a side saturated at its lowest offered rate', () => {
    const ferry = series('ferry', [step(500, 5), step(1000, 8), step(2000, 150)]);
    const baseline = series('baseline', [step(500, 180)]);
    const goal = compareRelay('relay', 'Relay', ferry, baseline, true).goals.find(
      (g) => g.id === 'relay-throughput',
    )!;
    expect(goal.actual).toBeNull();
    expect(goal.pass).toBeNull();
    expect(goal.note).toContain(
      'baseline saturated at its lowest offered rate, 500 msg/s (capacity below it: not measured',
    );
    expect(goal.note).toContain('p99 180 ms > 100 ms');
  });

  it("reports the writer's work between commits as a share of the step", () => {
    const commits = {
      commits: 800,
      messagesPerCommit: 5,
      p50UpToMs: 2.5,
      p99UpToMs: 10,
      checkpoints: { runs: 40, p99UpToMs: 10, totalMs: 100 },
      searchIndexing: { runs: 20, p99UpToMs: 25, totalMs: 50 },
    };
    expect(describeWriterWork(commits, { fromUs: 1_000_000, toUs: 4_000_000 })).toBe(
      "checkpoints 40x, p99 <= 10 ms, 100 ms in all; search indexing 20x, p99 <= 25 ms, 50 ms in all (5.0% of the step's 3.0 s)",
    );
  });
});
