/** When the idle SQLite writer does deferred work (the WAL checkpoint), by units and by time. */
import { describe, expect, it } from 'vitest';
import { IdleCadence } from '../../../server/store/sqlite/idleCadence.js';

describe('IdleCadence', () => {
  it('is due once enough units wait, or once the time passed with any, and counts again after a run', () => {
    const cadence = new IdleCadence(3, 1_000);
    const start = performance.now();
    expect(cadence.due(start + 5_000)).toBe(false);
    cadence.add(2);
    expect(cadence.due(start)).toBe(false);
    expect(cadence.due(start + 1_001)).toBe(true);
    cadence.add();
    expect(cadence.due(start)).toBe(true);
    cadence.ran(start + 10);
    expect(cadence.units).toBe(0);
    cadence.add();
    expect(cadence.due(start + 500)).toBe(false);
    expect(cadence.due(start + 1_011)).toBe(true);
  });

  it('takes a new number of units from the next check on', () => {
    const cadence = new IdleCadence(3, 1_000);
    const start = performance.now();
    cadence.add(3);
    cadence.every = 5;
    expect(cadence.due(start)).toBe(false);
    cadence.add(2);
    expect(cadence.due(start)).toBe(true);
  });
});
