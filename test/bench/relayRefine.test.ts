/** Narrowing a relay side's capacity between the rates' steps (bench/scenarios/relaySeries.ts). */
import { describe, expect, it } from 'vitest';
import { refineRate } from '../../bench/scenarios/relaySeries';

const RATES = [500, 1000, 2000, 4000, 6000, 8000, 11_000, 16_000, 22_000];

/** The steps a side with this true capacity leaves: rising rates, then `rounds` midpoints. */
function run(capacity: number, rounds: number) {
  const steps: Array<{ offeredPerSec: number; saturated: boolean }> = [];
  for (const rate of RATES) {
    steps.push({ offeredPerSec: rate, saturated: rate > capacity });
    if (rate > capacity) break;
  }
  for (let i = 0; i < rounds; i++) {
    const next = refineRate(steps);
    if (!next) break;
    steps.push({ offeredPerSec: next.mid, saturated: next.mid > capacity });
  }
  return steps;
}

describe('relay capacity refinement', () => {
  it('halves the gap between the highest rate carried and the lowest that saturated, in multiples of 250', () => {
    expect(refineRate(run(13_100, 0))).toEqual({ good: 11_000, bad: 16_000, mid: 13_500 });
    const steps = run(13_100, 3);
    expect(steps.slice(-3).map((s) => s.offeredPerSec)).toEqual([13_500, 12_250, 13_000]);
    // The side carried 13,000 and saturated at 13,500: its capacity is known to 500 msg/s, not 5,000.
    expect(refineRate(steps)).toEqual({ good: 13_000, bad: 13_500, mid: 13_250 });
  });

  it('has nothing to narrow when a side never saturated, carried nothing, or the gap is one quantum', () => {
    expect(refineRate(run(50_000, 0))).toBeNull();
    expect(refineRate([{ offeredPerSec: 500, saturated: true }])).toBeNull();
    expect(
      refineRate([
        { offeredPerSec: 1000, saturated: false },
        { offeredPerSec: 1250, saturated: true },
      ]),
    ).toBeNull();
  });

  it('judges by the lowest rate that saturated, whatever order the steps ran in', () => {
    const steps = [
      { offeredPerSec: 11_000, saturated: false },
      { offeredPerSec: 16_000, saturated: true },
      { offeredPerSec: 13_500, saturated: true },
      // A rate above the lowest saturated one that happened to pass does not count as carried.
      { offeredPerSec: 14_000, saturated: false },
    ];
    expect(refineRate(steps)).toEqual({ good: 11_000, bad: 13_500, mid: 12_250 });
  });
});
