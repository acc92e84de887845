/** Backoff with equal jitter (net/backoff.ts), with injected randomness. */
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../net/index';

const options = { baseMs: 1_000, maxMs: 60_000 };

describe('backoffDelay', () => {
  it('doubles per attempt from baseMs, between half and all of the capped delay', () => {
    for (const [attempt, full] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [6, 32_000],
    ] as const) {
      expect(backoffDelay(attempt, { ...options, random: () => 0 })).toBe(full / 2);
      expect(backoffDelay(attempt, { ...options, random: () => 0.5 })).toBe((full * 3) / 4);
      expect(backoffDelay(attempt, { ...options, random: () => 0.999999 })).toBe(full);
    }
  });

  it('never exceeds maxMs, however many attempts', () => {
    expect(backoffDelay(7, { ...options, random: () => 0 })).toBe(30_000);
    expect(backoffDelay(50, { ...options, random: () => 0.999999 })).toBe(60_000);
    expect(backoffDelay(5_000, { ...options, random: () => 0.999999 })).toBe(60_000);
  });

  it('treats attempt 0 or less as the first', () => {
    expect(backoffDelay(0, { ...options, random: () => 0 })).toBe(500);
    expect(backoffDelay(-3, { ...options, random: () => 0 })).toBe(500);
  });

  it('spreads clients out: different random draws give different delays within the range', () => {
    const draws = [0.1, 0.3, 0.7, 0.9].map((r) => backoffDelay(4, { ...options, random: () => r }));
    expect(new Set(draws).size).toBe(4);
    for (const delay of draws) {
      expect(delay).toBeGreaterThanOrEqual(4_000);
      expect(delay).toBeLessThanOrEqual(8_000);
    }
  });
});
